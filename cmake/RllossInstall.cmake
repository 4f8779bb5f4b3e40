# The installed SDK: the CMake package (targets rlloss::plugin_api, rlloss::contract,
# rlloss::plugin_kit, rlloss::host, rlloss::registry and rlloss::torch, and the function
# rlloss_add_plugin()), its version file and the pkg-config file of
# the C header. Included by the top-level CMakeLists.txt after every target exists.
include(CMakePackageConfigHelpers)

set(RLLOSS_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rlloss)

install(TARGETS rlloss_plugin_api rlloss_contract rlloss_plugin_kit EXPORT rllossPluginApiTargets)
install(EXPORT rllossPluginApiTargets NAMESPACE rlloss:: DESTINATION ${RLLOSS_CMAKE_INSTALL_DIR})
install(TARGETS rlloss_host EXPORT rllossHostTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT rllossHostTargets NAMESPACE rlloss:: DESTINATION ${RLLOSS_CMAKE_INSTALL_DIR})
install(TARGETS rlloss_registry rlloss_torch EXPORT rllossTorchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT rllossTorchTargets NAMESPACE rlloss:: DESTINATION ${RLLOSS_CMAKE_INSTALL_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/rllossConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/rllossConfig.cmake
                              INSTALL_DESTINATION ${RLLOSS_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/rllossConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/rllossConfig.cmake ${CMAKE_BINARY_DIR}/rllossConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/RllossPlugin.cmake ${CMAKE_CURRENT_LIST_DIR}/plugin_exports.map
              ${CMAKE_CURRENT_LIST_DIR}/RllossReplaceFile.cmake
        DESTINATION ${RLLOSS_CMAKE_INSTALL_DIR})

file(RELATIVE_PATH RLLOSS_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(${CMAKE_CURRENT_LIST_DIR}/rlloss-plugin-api.pc.in
               ${CMAKE_BINARY_DIR}/rlloss-plugin-api.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/rlloss-plugin-api.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
