# The README's two commands, plus the benchmark and fuzzing runs. Each script bootstraps the
# Debian packages it needs first.
.PHONY: demo test bench fuzz format clean

demo:
	scripts/demo

test:
	scripts/test

bench:
	scripts/bench

fuzz:
	scripts/fuzz

format:
	clang-format -i $$(git ls-files '*.hpp' '*.cpp')

clean:
	rm -rf build
