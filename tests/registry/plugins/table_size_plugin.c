/* A valid hand-made table whose struct_size fields claim a given size, to test how the registry
 * treats tables and argument specs written by an older (smaller) ABI 1 minor:
 *   TABLE_NAME        the table's name
 *   TABLE_STRUCT_SIZE the table's struct_size (default: ABI 1.0's, i.e. ending at `destroy`)
 *   SPEC_STRUCT_SIZE  the argument spec's struct_size (default: ABI 1.0's) */
#include <rlloss/plugin_api.h>
#include <stddef.h>

#ifndef TABLE_STRUCT_SIZE
#define TABLE_STRUCT_SIZE (offsetof(rlloss_plugin, destroy) + sizeof(void (*)(void)))
#endif
#ifndef SPEC_STRUCT_SIZE
#define SPEC_STRUCT_SIZE (offsetof(rlloss_arg_spec, default_from) + sizeof(const char*))
#endif

static const rlloss_arg_spec kArgs[] = {
    {SPEC_STRUCT_SIZE, "scale", RLLOSS_ARG_FLOAT, "a multiplier in (0, 10]", 1.0, NULL, 0.0, 10.0,
     0, 1, NULL, 0, NULL},
};
static int kInstance;

static rlloss_status create(const rlloss_arg_value* values, uint32_t num_values,
                            rlloss_instance** out, rlloss_error_buffer* error) {
  (void)values;
  (void)num_values;
  (void)error;
  *out = (rlloss_instance*)&kInstance;
  return RLLOSS_OK;
}

static rlloss_status compute(const rlloss_instance* instance, const rlloss_compute_call* call,
                             rlloss_error_buffer* error) {
  (void)instance;
  (void)call;
  (void)error;
  return RLLOSS_ERROR_UNSUPPORTED;
}

static void destroy(rlloss_instance* instance) {
  (void)instance;
}

static const rlloss_plugin kTable = {TABLE_STRUCT_SIZE,
                                     RLLOSS_ABI_VERSION_MAJOR,
                                     0,
                                     TABLE_NAME,
                                     "0.1.0",
                                     "a table with a chosen struct_size",
                                     RLLOSS_DEVICE_BIT(kDLCPU),
                                     NULL,
                                     0,
                                     kArgs,
                                     1,
                                     create,
                                     compute,
                                     destroy,
                                     /* past a 1.0 struct_size: the host must not read it */
                                     ~(uint64_t)0};

RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) {
  (void)host_abi_major;
  return &kTable;
}
