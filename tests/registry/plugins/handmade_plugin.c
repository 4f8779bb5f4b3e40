/* A plugin table written by hand (no kit). One source, configured by compile definitions, gives
 * the valid and the deliberately broken variants of the registry tests:
 *   HANDMADE_NAME           the table's name (an identifier or, to break it, not)
 *   HANDMADE_ABI_MAJOR      the ABI major it claims (default: this header's)
 *   HANDMADE_SCALE_DEFAULT  the default of its one argument `scale`, allowed in (0, 10]
 *   HANDMADE_CREATE_FAILS   when defined, create refuses every argument set with a message */
#include <rlloss/plugin_api.h>
#include <string.h>

#ifndef HANDMADE_NAME
#define HANDMADE_NAME "handmade"
#endif
#ifndef HANDMADE_ABI_MAJOR
#define HANDMADE_ABI_MAJOR RLLOSS_ABI_VERSION_MAJOR
#endif
#ifndef HANDMADE_SCALE_DEFAULT
#define HANDMADE_SCALE_DEFAULT 1.0
#endif

static const rlloss_arg_spec kArgs[] = {
    {sizeof(rlloss_arg_spec), "scale", RLLOSS_ARG_FLOAT, "a multiplier in (0, 10]",
     HANDMADE_SCALE_DEFAULT, NULL, 0.0, 10.0, 0, 1, NULL, 0, NULL},
};
static const char* const kMetricNames[] = {"token_count"};

#ifndef HANDMADE_CREATE_FAILS
/* Instances hold no state: every create hands out this one address. */
static int kInstance;
#endif

static void write_message(rlloss_error_buffer* error, const char* message) {
  size_t length = strlen(message);
  if (error == NULL || error->data == NULL || error->capacity == 0) return;
  if (length >= error->capacity) length = (size_t)error->capacity - 1;
  memcpy(error->data, message, length);
  error->data[length] = '\0';
}

static rlloss_status create(const rlloss_arg_value* values, uint32_t num_values,
                            rlloss_instance** out, rlloss_error_buffer* error) {
  (void)values;
  (void)num_values;
#ifdef HANDMADE_CREATE_FAILS
  *out = NULL;
  write_message(error, "plugin " HANDMADE_NAME " refuses every argument set, on purpose");
  return RLLOSS_ERROR_INVALID_ARGUMENT;
#else
  (void)error;
  *out = (rlloss_instance*)&kInstance;
  return RLLOSS_OK;
#endif
}

static rlloss_status compute(const rlloss_instance* instance, const rlloss_compute_call* call,
                             rlloss_error_buffer* error) {
  (void)instance;
  (void)call;
  write_message(error, "hand-made test plugins do not compute");
  return RLLOSS_ERROR_UNSUPPORTED;
}

static void destroy(rlloss_instance* instance) {
  (void)instance;
}

static const rlloss_plugin kTable = {sizeof(rlloss_plugin),
                                     HANDMADE_ABI_MAJOR,
                                     RLLOSS_ABI_VERSION_MINOR,
                                     HANDMADE_NAME,
                                     "0.1.0",
                                     "a hand-written table for the registry tests",
                                     RLLOSS_DEVICE_BIT(kDLCPU),
                                     kMetricNames,
                                     1,
                                     kArgs,
                                     1,
                                     create,
                                     compute,
                                     destroy,
                                     0};

RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) {
  (void)host_abi_major;
  return &kTable;
}
