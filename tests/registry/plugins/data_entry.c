/* A library whose rlloss_plugin_entry is a data object, not a function: calling it would crash. */
#include <rlloss/plugin_api.h>

RLLOSS_EXPORT const int rlloss_plugin_entry = 1;
