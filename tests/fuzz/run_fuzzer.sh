#!/usr/bin/env bash
# tests/fuzz/run_fuzzer.sh FUZZER SEED_DIR SECONDS — runs a libFuzzer target on a scratch
# copy of its seed corpus for SECONDS; a crash, leak or sanitizer report fails the run and
# leaves the reproducer in the scratch directory, whose path is printed.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/corio-fuzz.XXXXXX")
mkdir -p "$work/corpus"
cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || true
cd "$work"
if "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" corpus >"$work/log" 2>&1; then
  grep -E '^stat::number_of_executed_units|^Done' "$work/log" || true
  rm -rf "$work"
else
  tail -40 "$work/log"
  echo "fuzzer failed: reproducer and log kept in $work"
  exit 1
fi
