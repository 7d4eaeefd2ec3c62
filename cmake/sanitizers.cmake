# Applies CORIO_SANITIZE (a list such as "address;undefined" or "thread") to everything built here.
if(CORIO_SANITIZE)
  list(JOIN CORIO_SANITIZE "," corio_sanitizers)
  add_compile_options(-fsanitize=${corio_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(-O1)
  add_link_options(-fsanitize=${corio_sanitizers})
endif()
