/*
 * rlloss plugin ABI: the only contract between a host and a policy-loss plugin.
 *
 * Plain C (C99 and C++), fixed-width integers, no C++ types, no exceptions. A plugin is a shared
 * library exporting one symbol, RLLOSS_ENTRY_SYMBOL, of type rlloss_entry_fn. It returns a pointer
 * to a static, const rlloss_plugin table that lives as long as the library stays mapped (hosts
 * never unmap a plugin while the process runs).
 *
 * Evolution: every struct crossing the boundary starts with `struct_size` (the size in bytes of the
 * struct as its writer compiled it). Fields are only ever appended. A reader must check
 * `struct_size` before touching a field past the first ones it knows were always there, and must
 * treat a missing trailing field as its documented default. A new ABI major means an incompatible
 * change; hosts refuse plugins of another major. A new minor only appends.
 *
 * Arrays of versioned structs (the schema's rlloss_arg_spec array, the rlloss_arg_value array given
 * to `create`) are strided by their first element's `struct_size`, not by the reader's sizeof, so a
 * reader built against another minor still finds element i.
 *
 * Ownership: "borrowed" means valid only during the call, never stored; whoever allocates, frees.
 * Strings are UTF-8, NUL-terminated. An error message that does not fit its buffer is cut at a
 * character boundary, never inside a UTF-8 character.
 *
 * Tensors are DLPack's DLTensor as dlpack.h 0.6 (DLPACK_VERSION 60) lays it out; later versions
 * keep that layout. NULL `strides` means compact row-major (C-contiguous). `byte_offset` is added
 * to `data`. A bool tensor has code 6 (kDLBool, named from DLPack 0.8 on) with 8 bits and is read
 * like uint8. A tensor with no element may have NULL `data` and any strides.
 *
 * Threading: the plugin table and its metadata are immutable. `create` and `destroy` may be called
 * from any thread. An instance is immutable after `create`, so `compute` may be called on one
 * instance from many threads at once; `destroy` must not race with `compute` on that instance.
 */
#ifndef RLLOSS_PLUGIN_API_H_
#define RLLOSS_PLUGIN_API_H_

#include <dlpack/dlpack.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version. The host passes its major to the entry point; the table reports the plugin's. */
#define RLLOSS_ABI_VERSION_MAJOR 1
#define RLLOSS_ABI_VERSION_MINOR 2

/* The size of a struct as an ABI version defined it: the offset of that version's last field plus
 * the field's size. A reader refuses a struct whose `struct_size` is below the size of the first
 * version it supports (RLLOSS_*_STRUCT_SIZE_1_0); a writer sets `struct_size = sizeof(type)`. */
#define RLLOSS_STRUCT_SIZE(type, last_field) \
  (offsetof(type, last_field) + sizeof(((type*)0)->last_field))

/* DLPack's type code of bool (kDLBool, named from DLPack 0.8 on): 8 bits holding 0 or 1. */
#define RLLOSS_DL_BOOL 6

/* Name of the one exported entry symbol, and the macro a plugin uses to export it. */
#define RLLOSS_ENTRY_SYMBOL "rlloss_plugin_entry"
#if defined(_WIN32)
#define RLLOSS_EXPORT __declspec(dllexport)
#else
#define RLLOSS_EXPORT __attribute__((visibility("default")))
#endif

/* Status codes returned by every call that can fail. RLLOSS_OK is zero. */
typedef int32_t rlloss_status;
#define RLLOSS_OK 0
#define RLLOSS_ERROR_INVALID_ARGUMENT 1 /* bad argument value, bad tensor, bad call */
#define RLLOSS_ERROR_UNSUPPORTED 2      /* valid request the plugin cannot serve (dtype, device) */
#define RLLOSS_ERROR_DEVICE 3           /* a device runtime failed (CUDA error, no device) */
#define RLLOSS_ERROR_INTERNAL 4         /* anything else, including a caught C++ exception */

/* Error message buffer: owned by the caller, filled (NUL-terminated, truncated to `capacity`)
 * by the plugin when a call fails. `data` may be NULL when `capacity` is 0. */
typedef struct rlloss_error_buffer {
  uint32_t struct_size;
  char* data;
  uint64_t capacity;
} rlloss_error_buffer;
/* A buffer smaller than this is never written. */
#define RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0 RLLOSS_STRUCT_SIZE(rlloss_error_buffer, capacity)

/* Devices a plugin serves: a bit mask of (1 << DLDeviceType), e.g. RLLOSS_DEVICE_BIT(kDLCPU). */
#define RLLOSS_DEVICE_BIT(dl_device_type) (UINT64_C(1) << (dl_device_type))

/* Argument types of the schema. Numbers cross as double; INT and BOOL values must be integral
 * (BOOL: 0 or 1). STRING values cross as `const char *`. */
typedef int32_t rlloss_arg_type;
#define RLLOSS_ARG_FLOAT 1
#define RLLOSS_ARG_INT 2
#define RLLOSS_ARG_BOOL 3
#define RLLOSS_ARG_STRING 4

/* One declared argument. Static data of the plugin, valid while the library is mapped. */
typedef struct rlloss_arg_spec {
  uint32_t struct_size;
  const char* name;     /* identifier, the YAML key (e.g. "tau_pos") */
  rlloss_arg_type type; /* RLLOSS_ARG_* */
  const char* doc;      /* one-line description for `list` */
  /* Default of FLOAT, INT and BOOL arguments. NaN (FLOAT and INT, with `default_from` NULL) means
   * the argument has none: the caller must set it, and `create` fails naming it when it is not
   * set (from ABI 1.2; verl's dro_beta). */
  double default_number;
  const char* default_string; /* default of STRING arguments (one of `choices` if any); else NULL */
  /* Allowed range of FLOAT and INT values: [min, max], each end open when its flag is 0.
   * Use -HUGE_VAL / HUGE_VAL for an unbounded end. NaN is never allowed. */
  double min_value;
  double max_value;
  uint32_t min_inclusive;
  uint32_t max_inclusive;
  /* Allowed values of a STRING argument; NULL with num_choices 0 means any string. */
  const char* const* choices;
  uint32_t num_choices;
  /* When non-NULL: the name of another argument of the same type whose resolved value is this
   * argument's default when the caller does not set it (clip_ratio_low defaults to clip_ratio). */
  const char* default_from;
} rlloss_arg_spec;
#define RLLOSS_ARG_SPEC_STRUCT_SIZE_1_0 RLLOSS_STRUCT_SIZE(rlloss_arg_spec, default_from)

/* One argument value passed to `create`. Borrowed for the call. */
typedef struct rlloss_arg_value {
  uint32_t struct_size;
  const char* name;
  rlloss_arg_type type;
  double number;      /* FLOAT, INT, BOOL */
  const char* string; /* STRING */
} rlloss_arg_value;
/* Every element of a `create` values array has the first element's struct_size, at least this. */
#define RLLOSS_ARG_VALUE_STRUCT_SIZE_1_0 RLLOSS_STRUCT_SIZE(rlloss_arg_value, string)

/* Opaque loss instance, created by `create`, freed by `destroy`. */
typedef struct rlloss_instance rlloss_instance;

/* One compute call. Every tensor is borrowed for the call only.
 *
 * Inputs, all [B, T] (any strides >= 0, on one device, no byte_offset restrictions):
 *   log_prob, old_log_prob, advantages: one floating dtype shared by all three;
 *   response_mask: bool, uint8, or a floating dtype, holding only 0 and 1 whatever its dtype;
 *   rollout_is_weights: optional (NULL), same dtype as log_prob; multiplies the per-token loss.
 * Words: a token is *counted* where response_mask is 1 and *excluded* where it is 0. Values at
 * excluded tokens are never read into any result, even NaN or inf.
 *
 * Aggregation (the `loss_agg_mode` argument, verl's agg_loss). With l_bt the per-token loss,
 * m_bt the mask, N_tok the counted tokens, N_seq the sequences with at least one counted token,
 * len_b the counted tokens of row b and dp = dp_size:
 *   token-mean               loss = dp * sum_bt l_bt m_bt / N_tok
 *   token-sum                loss = dp * sum_bt l_bt m_bt
 *   seq-mean-token-sum       loss = dp * sum_b (sum_t l_bt m_bt) / N_seq
 *   seq-mean-token-mean      loss = dp * sum_b (sum_t l_bt m_bt) / (len_b + 1e-8) / N_seq
 *   seq-mean-token-sum-norm  loss = dp * sum_b (sum_t l_bt m_bt) / (N_seq * F), F the
 *                            `loss_scale_factor` argument, or T when it is 0
 * A batch with no counted token (B or T zero, or every mask 0) gives loss 0, a zero gradient and
 * zero metrics, in every mode (verl's masked mean gives NaN there).
 *
 * Normalisers:
 *   global_token_count: N_tok over all data-parallel ranks, or -1 to use this call's count;
 *   global_seq_count: N_seq over all ranks, or -1 for this call's count;
 *   dp_size: number of data-parallel ranks (>= 1); the loss is multiplied by it so that the mean of
 *   the ranks' gradients equals the single-process gradient. dp_size > 1 requires the global count
 *   the aggregation mode divides by.
 *
 * Outputs, allocated by the caller on the inputs' device, written by the plugin:
 *   loss: float32 or float64, 0-d or shape [1]; the aggregated scalar loss;
 *   grad_log_prob: required, [B, T], the dtype of log_prob, one address per element:
 *   d loss / d log_prob, zero at excluded tokens;
 *   metrics: optional (NULL), float32 or float64, shape [num_metrics], in the order of the
 *   plugin's `metric_names`; rank-local values.
 * On failure nothing is written to any output.
 *
 * stream: for CUDA tensors the cudaStream_t to run on (NULL: the default stream); ignored on CPU.
 * num_threads: CPU threads to use; 0 or negative means the plugin's default (OpenMP's, which
 * OMP_NUM_THREADS sets), and more than the machine has means as many as it has. Results never
 * depend on it. */
typedef struct rlloss_compute_call {
  uint32_t struct_size;
  const DLTensor* log_prob;
  const DLTensor* old_log_prob;
  const DLTensor* advantages;
  const DLTensor* response_mask;
  const DLTensor* rollout_is_weights;
  int64_t global_token_count;
  int64_t global_seq_count;
  int64_t dp_size;
  int32_t num_threads;
  void* stream;
  DLTensor* loss;
  DLTensor* grad_log_prob;
  DLTensor* metrics;
} rlloss_compute_call;
#define RLLOSS_COMPUTE_CALL_STRUCT_SIZE_1_0 RLLOSS_STRUCT_SIZE(rlloss_compute_call, metrics)

/* The plugin table. Static and const; the first four fields keep their place in every ABI major,
 * so a host can always read the plugin's version before refusing it. */
typedef struct rlloss_plugin {
  uint32_t struct_size;
  uint32_t abi_major;      /* RLLOSS_ABI_VERSION_MAJOR the plugin was built against */
  uint32_t abi_minor;      /* RLLOSS_ABI_VERSION_MINOR the plugin was built against */
  const char* name;        /* the loss_mode: an identifier, unique among loaded plugins */
  const char* version;     /* the plugin's own version, e.g. "1.0.0" */
  const char* description; /* one line */
  uint64_t devices;        /* RLLOSS_DEVICE_BIT mask of devices served in this build */
  const char* const* metric_names;
  uint32_t num_metrics;
  const rlloss_arg_spec* args; /* the argument schema */
  uint32_t num_args;

  /* Validates `values` against the schema (unknown name, wrong type, out of range, NaN: error;
   * a declared argument not given takes its default) and creates an instance in `*out`.
   * `values` may be NULL when `num_values` is 0. On failure `*out` is set to NULL. On success
   * the plugin may leave a warning (e.g. a questionable but legal setting) in `error`, for the
   * host to log; the host clears the buffer before the call. */
  rlloss_status (*create)(const rlloss_arg_value* values, uint32_t num_values,
                          rlloss_instance** out, rlloss_error_buffer* error);

  /* Computes loss, gradient and metrics for one batch; see rlloss_compute_call. Thread-safe. */
  rlloss_status (*compute)(const rlloss_instance* instance, const rlloss_compute_call* call,
                           rlloss_error_buffer* error);

  /* Frees an instance made by `create`. NULL is a no-op. */
  void (*destroy)(rlloss_instance* instance);

  /* ABI 1.1: RLLOSS_PLUGIN_FLAG_* bits. A host reads it only when struct_size covers it; a 1.0
   * table (without it) has no flags. */
  uint64_t flags;
} rlloss_plugin;
#define RLLOSS_PLUGIN_STRUCT_SIZE_1_0 RLLOSS_STRUCT_SIZE(rlloss_plugin, destroy)
#define RLLOSS_PLUGIN_STRUCT_SIZE_1_1 RLLOSS_STRUCT_SIZE(rlloss_plugin, flags)

/* grad_log_prob is the gradient of the loss with some factors held constant (a stop-gradient,
 * `.detach()` in PyTorch: GSPO's sequence ratio, CISPO's clipped weight), as the frameworks
 * define these objectives. It is then not the derivative of the reported loss value, and finite
 * differences of the loss do not check it. */
#define RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT ((uint64_t)1 << 0)

/* Type of the exported entry symbol. `host_abi_major` is the host's RLLOSS_ABI_VERSION_MAJOR.
 * Returns the plugin's static table (never freed), or NULL if the plugin cannot initialise.
 * A plugin may use `host_abi_major` to return a table of that major when it carries several;
 * plugins built with the kit ignore it and return their one table. The host compares the table's
 * `abi_major` itself and refuses a mismatch, so an entry point never has to. Must not throw. */
typedef const rlloss_plugin* (*rlloss_entry_fn)(uint32_t host_abi_major);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RLLOSS_PLUGIN_API_H_ */
