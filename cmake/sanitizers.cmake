# Applies CORIO_SANITIZE (a list such as "address;undefined" or "thread") to everything built here.
if(CORIO_SANITIZE)
  list(JOIN CORIO_SANITIZE "," corio_sanitizers)
  add_compile_options(-fsanitize=${corio_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(-O1)
  if("undefined" IN_LIST CORIO_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # clang 14's -fsanitize=function emits prologue data into split coroutine functions that
    # the assembler rejects ("Cannot represent a difference across sections").
    add_compile_options(-fno-sanitize=function)
  endif()
  add_link_options(-fsanitize=${corio_sanitizers})
endif()
