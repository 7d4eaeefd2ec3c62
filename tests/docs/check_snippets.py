#!/usr/bin/env python3
"""tests/docs/check_snippets.py: every C++ example in the docs compiles against include/corio/.

Reads README.md, docs/asyncio.md, docs/http.md and docs/fetch.md, and compiles each ```cpp
block with -fsyntax-only -std=c++20 -Werror and the library's warnings (CMake passes
cmake/warnings.cmake's list after --), two at a time.

The convention: a ```cpp block is a whole translation unit, unless its first line is
`// inside SIGNATURE`, e.g. `// inside corio::Task<> f(std::string base)`: then the block is
the body of that function, compiled after #include <corio/http.hpp> (all of corio) and
`using namespace std::chrono_literals;`. Code that is not C++ to compile is fenced as ```sh,
```text and so on. A fence without a language, or one left open, fails the check with its
file:line, so no block goes unchecked. Errors point at the line in the Markdown file.
"""
import argparse
import concurrent.futures
import pathlib
import re
import subprocess
import sys
import tempfile

DOCS = ["README.md", "docs/asyncio.md", "docs/http.md", "docs/fetch.md"]
CPP = {"cpp", "c++", "cxx", "cc"}
FENCE = re.compile(r"^\s*```\s*(\S*)")
INSIDE = re.compile(r"^// inside (.+)$")
PRELUDE = "#include <corio/http.hpp>\nusing namespace std::chrono_literals;\n"
FLAGS = ["-fsyntax-only", "-std=c++20", "-Werror"]


def blocks(repo, doc):
    """Yields (line of the first code line, language, code lines) per fenced block."""
    lines = (repo / doc).read_text().splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if FENCE.match(lines[j])), None)
        if end is None:
            raise SystemExit(f"{doc}:{i + 1}: code block never closed")
        yield i + 2, match.group(1).lower(), lines[i + 1:end]
        i = end + 1


def source(doc, line, code):
    """The translation unit for one block, with #line pointing back into the doc."""
    inside = INSIDE.match(code[0]) if code else None
    if not inside:
        return f'#line {line} "{doc}"\n' + "\n".join(code) + "\n"
    body = "\n".join(code[1:])
    return f'{PRELUDE}#line {line} "{doc}"\n{inside.group(1)} {{\n{body}\n}}\n'


def compile_one(compiler, flags, path):
    result = subprocess.run([compiler, *FLAGS, *flags, path],
                            capture_output=True, text=True)
    return result.returncode, result.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compiler", default="c++")
    parser.add_argument("--repo", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parents[2])
    parser.add_argument("--isystem", action="append", default=[],
                        help="a system include dir the public headers need (repeatable)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("warnings", nargs="*", help="after --: the warning flags to use")
    args = parser.parse_args()
    flags = ([f"-I{args.repo / 'include'}"] + [f"-isystem{d}" for d in args.isystem if d]
             + args.warnings)

    problems, snippets = [], []
    for doc in DOCS:
        for line, language, code in blocks(args.repo, doc):
            if not language:
                problems.append(f"{doc}:{line - 1}: fence without a language "
                                "(```cpp to check it, ```text or ```sh if it is not C++)")
            elif language in CPP:
                snippets.append((doc, line, code))

    with tempfile.TemporaryDirectory() as tmp, \
         concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        jobs = []
        for n, (doc, line, code) in enumerate(snippets):
            path = pathlib.Path(tmp) / f"snippet{n}.cpp"
            path.write_text(source(doc, line, code))
            jobs.append(pool.submit(compile_one, args.compiler, flags, str(path)))
        for (doc, line, _), job in zip(snippets, jobs):
            status, errors = job.result()
            if status != 0:
                problems.append(f"{doc}:{line - 1}: this ```cpp block does not compile:\n"
                                + errors)

    print(f"checked {len(snippets)} C++ blocks in {', '.join(DOCS)} with {args.compiler}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
