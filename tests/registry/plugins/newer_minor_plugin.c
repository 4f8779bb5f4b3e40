/* A plugin built against a future minor version (1.99): its table and its argument specs carry
 * fields appended after the ones this host knows, so their struct_size is larger than the host's
 * sizeof. The host must accept it and find argument i by striding with the first spec's
 * struct_size. Its create checks what the host passed, striding the values the same way. */
#include <rlloss/plugin_api.h>
#include <string.h>

typedef struct future_arg_spec {
  rlloss_arg_spec known;
  double appended_step;
  const char* appended_unit;
} future_arg_spec;

typedef struct future_plugin {
  rlloss_plugin known;
  uint64_t appended_flags;
  const char* appended_homepage;
} future_plugin;

static const char* const kModes[] = {"fast", "exact"};

static const future_arg_spec kArgs[] = {
    {{sizeof(future_arg_spec), "alpha", RLLOSS_ARG_FLOAT, "a weight in [0, 1]", 0.5, NULL, 0.0, 1.0,
      1, 1, NULL, 0, NULL},
     0.1,
     "none"},
    {{sizeof(future_arg_spec), "mode", RLLOSS_ARG_STRING, "how to compute", 0.0, "fast", 0.0, 0.0,
      0, 0, kModes, 2, NULL},
     0.0,
     NULL},
    {{sizeof(future_arg_spec), "beta", RLLOSS_ARG_FLOAT, "a weight in [0, 1]; defaults to alpha",
      0.0, NULL, 0.0, 1.0, 1, 1, NULL, 0, "alpha"},
     0.1,
     "none"},
};
static const char* const kMetricNames[] = {"one"};

static int kInstance;

static void write_message(rlloss_error_buffer* error, const char* message) {
  size_t length = strlen(message);
  if (error == NULL || error->data == NULL || error->capacity == 0) return;
  if (length >= error->capacity) length = (size_t)error->capacity - 1;
  memcpy(error->data, message, length);
  error->data[length] = '\0';
}

static const rlloss_arg_value* value_at(const rlloss_arg_value* values, uint32_t i) {
  return (const rlloss_arg_value*)((const char*)values + (size_t)values->struct_size * i);
}

/* Accepts exactly alpha = beta = 0.5 and mode = "fast": what the schema's defaults resolve to. */
static rlloss_status create(const rlloss_arg_value* values, uint32_t num_values,
                            rlloss_instance** out, rlloss_error_buffer* error) {
  uint32_t i;
  int seen = 0;
  *out = NULL;
  if (num_values != 3 || values == NULL) {
    write_message(error, "newer_minor: expected 3 argument values");
    return RLLOSS_ERROR_INVALID_ARGUMENT;
  }
  for (i = 0; i < num_values; ++i) {
    const rlloss_arg_value* value = value_at(values, i);
    if (strcmp(value->name, "alpha") == 0 && value->number == 0.5) {
      seen |= 1;
    } else if (strcmp(value->name, "beta") == 0 && value->number == 0.5) {
      seen |= 2;
    } else if (strcmp(value->name, "mode") == 0 && value->string != NULL &&
               strcmp(value->string, "fast") == 0) {
      seen |= 4;
    }
  }
  if (seen != 7) {
    write_message(error, "newer_minor: alpha, beta and mode did not arrive at their defaults");
    return RLLOSS_ERROR_INVALID_ARGUMENT;
  }
  *out = (rlloss_instance*)&kInstance;
  return RLLOSS_OK;
}

static rlloss_status compute(const rlloss_instance* instance, const rlloss_compute_call* call,
                             rlloss_error_buffer* error) {
  (void)instance;
  (void)call;
  write_message(error, "newer_minor does not compute");
  return RLLOSS_ERROR_UNSUPPORTED;
}

static void destroy(rlloss_instance* instance) {
  (void)instance;
}

static const future_plugin kTable = {
    {sizeof(future_plugin), RLLOSS_ABI_VERSION_MAJOR, 99, "newer_minor", "9.9.9",
     "a table from ABI 1.99 with appended fields", RLLOSS_DEVICE_BIT(kDLCPU), kMetricNames, 1,
     &kArgs[0].known, 3, create, compute, destroy, 0},
    UINT64_C(7),
    "https://example.invalid/newer_minor"};

RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) {
  (void)host_abi_major;
  return &kTable.known;
}
