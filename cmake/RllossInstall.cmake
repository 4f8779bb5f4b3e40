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

# The Python package (python/rlloss, pure Python over librlloss_host.so) where Debian's python3
# finds system packages, <prefix>/lib/python3/dist-packages (/usr in the Debian package; other
# prefixes add that folder to PYTHONPATH). It finds librlloss_host.so in <prefix>/lib from there.
# The dist-info makes it visible to importlib.metadata with its `verl.plugins` entry point, as a
# pip install would (python/pyproject.toml declares the same).
set(RLLOSS_PYTHON_INSTALL_DIR lib/python3/dist-packages)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/rlloss DESTINATION ${RLLOSS_PYTHON_INSTALL_DIR}
        FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
configure_file(${CMAKE_CURRENT_LIST_DIR}/python/METADATA.in ${CMAKE_BINARY_DIR}/python/METADATA
               @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/python/METADATA ${CMAKE_CURRENT_LIST_DIR}/python/entry_points.txt
              ${CMAKE_CURRENT_LIST_DIR}/python/INSTALLER
        DESTINATION ${RLLOSS_PYTHON_INSTALL_DIR}/rlloss-${PROJECT_VERSION}.dist-info)
