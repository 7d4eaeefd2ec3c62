#!/usr/bin/env bash
# tests/install/check.sh BUILD_DIR SOURCE_DIR — corio is consumable three ways:
# find_package after `cmake --install`, pkg-config after install, and add_subdirectory.
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a step quietly; on failure shows what it printed.
quietly() {
  "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log"; echo "failed: $*"; exit 1; }
}

quietly cmake --install "$build" --prefix "$work/prefix"

quietly cmake -S "$source/tests/install/consumer" -B "$work/find" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix"
quietly cmake --build "$work/find"
[[ $("$work/find/consumer") == 42 ]] || { echo "find_package consumer: wrong output"; exit 1; }

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig"
# shellcheck disable=SC2046
g++ -O2 "$source/tests/install/consumer/main.cpp" -o "$work/pc_consumer" \
  $(pkg-config --cflags --libs --static corio)
[[ $("$work/pc_consumer") == 42 ]] || { echo "pkg-config consumer: wrong output"; exit 1; }

# Unoptimised: this compiles the whole library once more, and only the linking is under test.
quietly cmake -S "$source/tests/install/consumer" -B "$work/sub" -G Ninja \
  -DCORIO_SOURCE_DIR="$source" -DCMAKE_BUILD_TYPE=
quietly cmake --build "$work/sub" --target consumer
[[ $("$work/sub/consumer") == 42 ]] || { echo "add_subdirectory consumer: wrong output"; exit 1; }
echo "find_package, pkg-config and add_subdirectory consumers all print 42"
