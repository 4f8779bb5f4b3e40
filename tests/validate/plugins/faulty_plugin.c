/* A plugin that takes its process down on purpose, for the isolation of `host_example validate`.
 * One source, two compile definitions:
 *   FAULT_WHERE  1: in the entry point, 2: in create, 3: in compute
 *   FAULT_KIND   1: segfault, 2: abort, 3: exit(3), 4: endless loop, 5: allocate without bound
 * Its name is FAULT_NAME. Until the fault it behaves (create succeeds). */
#include <rlloss/plugin_api.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void fault(void) {
#if FAULT_KIND == 1
  raise(SIGSEGV);
#elif FAULT_KIND == 2
  abort();
#elif FAULT_KIND == 3
  exit(3);
#elif FAULT_KIND == 4
  for (volatile unsigned long spin = 0;; ++spin) {
  }
#elif FAULT_KIND == 5
  for (;;) {
    char* block = malloc((size_t)1 << 26);
    if (block == NULL) abort(); /* what an allocation that ignores its limit ends in */
    memset(block, 1, (size_t)1 << 26);
  }
#endif
}

static const char* const kMetricNames[] = {"token_count"};
static int kInstance;

static rlloss_status create(const rlloss_arg_value* values, uint32_t num_values,
                            rlloss_instance** out, rlloss_error_buffer* error) {
  (void)values;
  (void)num_values;
  (void)error;
  if (FAULT_WHERE == 2) fault();
  *out = (rlloss_instance*)&kInstance;
  return RLLOSS_OK;
}

static rlloss_status compute(const rlloss_instance* instance, const rlloss_compute_call* call,
                             rlloss_error_buffer* error) {
  (void)instance;
  (void)call;
  (void)error;
  if (FAULT_WHERE == 3) fault();
  return RLLOSS_ERROR_UNSUPPORTED;
}

static void destroy(rlloss_instance* instance) {
  (void)instance;
}

static const rlloss_plugin kTable = {sizeof(rlloss_plugin),
                                     RLLOSS_ABI_VERSION_MAJOR,
                                     RLLOSS_ABI_VERSION_MINOR,
                                     FAULT_NAME,
                                     "0.1.0",
                                     "takes its process down on purpose",
                                     RLLOSS_DEVICE_BIT(kDLCPU),
                                     kMetricNames,
                                     1,
                                     NULL,
                                     0,
                                     create,
                                     compute,
                                     destroy,
                                     0};

RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) {
  (void)host_abi_major;
  if (FAULT_WHERE == 1) fault();
  return &kTable;
}
