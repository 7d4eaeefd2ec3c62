# CORIO_WARNINGS: the warning set every corio target builds with, clean on g++ 12 and clang 14
# (tests/docs/check_snippets.py gets the same list for the docs' examples).
set(CORIO_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                   -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
                   # Options structs are filled with designated initializers, Python keyword
                   # style; omitting a field there is the point, not a mistake.
                   -Wno-missing-field-initializers)

# corio_warnings(target): builds `target` with CORIO_WARNINGS.
function(corio_warnings target)
  target_compile_options(${target} PRIVATE ${CORIO_WARNINGS})
endfunction()
