/*
 * The layout of every rlloss ABI struct on LP64 targets (x86-64 Linux), written down by hand from
 * the C layout rules, once, for both the C and the C++ layout checks.
 *
 * An offset here must never change within ABI major 1. A size changes only when a minor version
 * appends a field: then update the size (and add the new field's offset) on purpose.
 */
#ifndef RLLOSS_TESTS_ABI_EXPECTED_LAYOUT_H_
#define RLLOSS_TESTS_ABI_EXPECTED_LAYOUT_H_

#if !defined(__LP64__)
#error "the expected rlloss ABI layout is written for LP64 targets"
#endif

/* X(type, expected sizeof) */
#define RLLOSS_EXPECTED_SIZES(X) \
  X(rlloss_status, 4)            \
  X(rlloss_arg_type, 4)          \
  X(DLTensor, 48)                \
  X(rlloss_error_buffer, 24)     \
  X(rlloss_arg_spec, 96)         \
  X(rlloss_arg_value, 40)        \
  X(rlloss_compute_call, 112)    \
  X(rlloss_plugin, 112)

/* X(type, field, expected offsetof) */
#define RLLOSS_EXPECTED_OFFSETS(X)               \
  X(rlloss_error_buffer, struct_size, 0)         \
  X(rlloss_error_buffer, data, 8)                \
  X(rlloss_error_buffer, capacity, 16)           \
  X(rlloss_arg_spec, struct_size, 0)             \
  X(rlloss_arg_spec, name, 8)                    \
  X(rlloss_arg_spec, type, 16)                   \
  X(rlloss_arg_spec, doc, 24)                    \
  X(rlloss_arg_spec, default_number, 32)         \
  X(rlloss_arg_spec, default_string, 40)         \
  X(rlloss_arg_spec, min_value, 48)              \
  X(rlloss_arg_spec, max_value, 56)              \
  X(rlloss_arg_spec, min_inclusive, 64)          \
  X(rlloss_arg_spec, max_inclusive, 68)          \
  X(rlloss_arg_spec, choices, 72)                \
  X(rlloss_arg_spec, num_choices, 80)            \
  X(rlloss_arg_spec, default_from, 88)           \
  X(rlloss_arg_value, struct_size, 0)            \
  X(rlloss_arg_value, name, 8)                   \
  X(rlloss_arg_value, type, 16)                  \
  X(rlloss_arg_value, number, 24)                \
  X(rlloss_arg_value, string, 32)                \
  X(rlloss_compute_call, struct_size, 0)         \
  X(rlloss_compute_call, log_prob, 8)            \
  X(rlloss_compute_call, old_log_prob, 16)       \
  X(rlloss_compute_call, advantages, 24)         \
  X(rlloss_compute_call, response_mask, 32)      \
  X(rlloss_compute_call, rollout_is_weights, 40) \
  X(rlloss_compute_call, global_token_count, 48) \
  X(rlloss_compute_call, global_seq_count, 56)   \
  X(rlloss_compute_call, dp_size, 64)            \
  X(rlloss_compute_call, num_threads, 72)        \
  X(rlloss_compute_call, stream, 80)             \
  X(rlloss_compute_call, loss, 88)               \
  X(rlloss_compute_call, grad_log_prob, 96)      \
  X(rlloss_compute_call, metrics, 104)           \
  X(rlloss_plugin, struct_size, 0)               \
  X(rlloss_plugin, abi_major, 4)                 \
  X(rlloss_plugin, abi_minor, 8)                 \
  X(rlloss_plugin, name, 16)                     \
  X(rlloss_plugin, version, 24)                  \
  X(rlloss_plugin, description, 32)              \
  X(rlloss_plugin, devices, 40)                  \
  X(rlloss_plugin, metric_names, 48)             \
  X(rlloss_plugin, num_metrics, 56)              \
  X(rlloss_plugin, args, 64)                     \
  X(rlloss_plugin, num_args, 72)                 \
  X(rlloss_plugin, create, 80)                   \
  X(rlloss_plugin, compute, 88)                  \
  X(rlloss_plugin, destroy, 96)                 \
  X(rlloss_plugin, flags, 104)

/* Sizes and offsets as the C compiler sees them, measured by abi_layout_c.c for the C++ test. */
typedef struct rlloss_abi_measurement {
  const char* type;
  const char* field; /* "" for a sizeof */
  unsigned long value;
} rlloss_abi_measurement;

#ifdef __cplusplus
extern "C" {
#endif
/* Sets `*out` to the C translation unit's measurements and returns how many there are. */
unsigned long rlloss_abi_c_measurements(const rlloss_abi_measurement** out);
#ifdef __cplusplus
}
#endif

#endif /* RLLOSS_TESTS_ABI_EXPECTED_LAYOUT_H_ */
