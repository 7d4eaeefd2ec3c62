# corio_warnings(target): the warning set every corio target builds with, clean on g++ 12 and clang 14.
function(corio_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                           -Wimplicit-fallthrough
                                           # Options structs are filled with designated
                                           # initializers, Python keyword style; omitting a
                                           # field there is the point, not a mistake.
                                           -Wno-missing-field-initializers)
endfunction()
