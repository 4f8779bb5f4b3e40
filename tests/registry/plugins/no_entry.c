/* A shared library that exports something, but not the rlloss entry symbol. */
#include <rlloss/plugin_api.h>

RLLOSS_EXPORT int rlloss_test_not_a_plugin_entry(void) {
  return 42;
}
