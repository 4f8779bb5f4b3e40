# `cpack -G DEB` (run in the build folder): one Debian package, rlloss, with host_example, the
# shipped plugins, librlloss_host.so and the SDK, installed under /usr. Its run-time dependencies
# come from dpkg-shlibdeps. dpkg unpacks each file as <name>.dpkg-new and renames it over the old
# one, so an upgrade never rewrites a plugin that a running trainer has mapped.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rlloss)
set(CPACK_PACKAGE_VENDOR rlloss)
set(CPACK_PACKAGE_CONTACT "rlloss developers <rlloss@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "policy-loss plugins (SAPO, clipped PPO, GSPO, CISPO) for LLM reinforcement learning")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The SDK's headers include dlpack/dlpack.h.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libdlpack-dev")
include(CPack)
