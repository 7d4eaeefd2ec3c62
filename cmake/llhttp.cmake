# corio_llhttp: llhttp's C sources as shipped by Debian's node-llhttp package, built as a
# static library (third-party code: corio's warning set is not applied). Never vendored.
set(CORIO_LLHTTP_SOURCE_DIR /usr/share/llhttp CACHE PATH "Directory holding llhttp's api.c, http.c, llhttp.c")
set(CORIO_LLHTTP_INCLUDE_DIR /usr/share/include/llhttp CACHE PATH "Directory holding llhttp.h")

set(corio_llhttp_sources
  ${CORIO_LLHTTP_SOURCE_DIR}/api.c
  ${CORIO_LLHTTP_SOURCE_DIR}/http.c
  ${CORIO_LLHTTP_SOURCE_DIR}/llhttp.c)
foreach(file IN LISTS corio_llhttp_sources ITEMS ${CORIO_LLHTTP_INCLUDE_DIR}/llhttp.h)
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "llhttp not found: ${file} is missing. Install Debian's node-llhttp "
                        "package (scripts/bootstrap does), or point CORIO_LLHTTP_SOURCE_DIR and "
                        "CORIO_LLHTTP_INCLUDE_DIR at llhttp's C sources and header.")
  endif()
endforeach()

add_library(corio_llhttp STATIC ${corio_llhttp_sources})
set_target_properties(corio_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
# llhttp.c holds two parsers; the strict one takes only tokens in header names and an LF
# after every CR, checks the loose one leaves to its caller.
target_compile_definitions(corio_llhttp PRIVATE LLHTTP_STRICT_MODE=1)
target_include_directories(corio_llhttp PUBLIC $<BUILD_INTERFACE:${CORIO_LLHTTP_INCLUDE_DIR}>)

# A PRIVATE dependency of the static corio still has to be installed and exported with it:
# consumers of the installed corio link libcorio_llhttp.a too.
if(CORIO_INSTALL)
  include(GNUInstallDirs)
  install(TARGETS corio_llhttp EXPORT corioTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
