# Install rules: headers, the library, a CMake package (find_package(corio)) and corio.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY include/corio DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS corio EXPORT corioTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT corioTargets NAMESPACE corio:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/corio)

configure_package_config_file(cmake/corioConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/corioConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/corio)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/corioConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/corioConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/corioConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/corio)

# Relative to the .pc file, so `cmake --install --prefix X` yields a working corio.pc.
file(RELATIVE_PATH corio_pc_relative_prefix "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig"
     "${CMAKE_INSTALL_PREFIX}")
configure_file(cmake/corio.pc.in ${CMAKE_CURRENT_BINARY_DIR}/corio.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/corio.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(CORIO_BUILD_APPS)
  install(TARGETS corio-fetch RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
