/* A plugin whose entry point cannot initialise: it returns NULL. */
#include <rlloss/plugin_api.h>

RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) {
  (void)host_abi_major;
  return NULL;
}
