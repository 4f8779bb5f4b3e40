/* verl's gpg policy loss (-A * log_prob, times the IS weight) written against rlloss/plugin_api.h
 * alone, in C99: no kit, no C++. It shows what the ABI asks of a plugin: check every struct's
 * size, validate every tensor before writing anything, never read an excluded token, fill the
 * caller's error buffer. It serves float64 on the CPU with a bool or uint8 mask and four
 * aggregation modes, single-threaded; anything else is refused with RLLOSS_ERROR_UNSUPPORTED.
 * Formula: verl-project/verl, verl/trainer/ppo/core_algos.py at
 * 018f23b5f83a13340421349e40ec42530739b23a, compute_policy_loss_gpg. */
#include <rlloss/plugin_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum agg_mode { TOKEN_MEAN, TOKEN_SUM, SEQ_MEAN_TOKEN_SUM, SEQ_MEAN_TOKEN_MEAN, NUM_AGG_MODES };

static const char* const agg_mode_names[NUM_AGG_MODES] = {
    "token-mean", "token-sum", "seq-mean-token-sum", "seq-mean-token-mean"};
static const char* const metric_names[] = {"ppo_kl"};

static const rlloss_arg_spec args[] = {
    {sizeof(rlloss_arg_spec), "loss_agg_mode", RLLOSS_ARG_STRING,
     "how per-token losses become one scalar (verl's agg_loss)", 0, "token-mean", 0, 0, 0, 0,
     agg_mode_names, NUM_AGG_MODES, NULL},
};

struct rlloss_instance {
  enum agg_mode mode;
};

/* ---- errors ---- */

static rlloss_status fail(rlloss_error_buffer* error, rlloss_status status, const char* format,
                          ...) {
  if (error != NULL && error->struct_size >= RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0 &&
      error->data != NULL && error->capacity > 0) {
    char text[512];
    va_list list;
    va_start(list, format);
    vsnprintf(text, sizeof text, format, list);
    va_end(list);
    /* Cut between UTF-8 characters: back off over continuation bytes (10xxxxxx). */
    size_t kept = strlen(text);
    if (kept > error->capacity - 1) {
      kept = (size_t)(error->capacity - 1);
      while (kept > 0 && ((unsigned char)text[kept] & 0xC0) == 0x80) --kept;
    }
    memcpy(error->data, text, kept);
    error->data[kept] = '\0';
  }
  return status;
}

/* ---- create / destroy ---- */

static rlloss_status create(const rlloss_arg_value* values, uint32_t num_values,
                            rlloss_instance** out, rlloss_error_buffer* error) {
  enum agg_mode mode = TOKEN_MEAN;
  uint32_t i;
  int mode_given = 0;
  if (out != NULL) *out = NULL;
  if (out == NULL) return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "create: out is NULL");
  if (num_values > 0 && values == NULL) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "create: values is NULL but count is %u",
                num_values);
  }
  if (num_values > 0 && values[0].struct_size < RLLOSS_ARG_VALUE_STRUCT_SIZE_1_0) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                "create: rlloss_arg_value struct_size %u is smaller than ABI 1.0's %u",
                values[0].struct_size, (unsigned)RLLOSS_ARG_VALUE_STRUCT_SIZE_1_0);
  }
  for (i = 0; i < num_values; ++i) {
    /* Elements are strided by the first one's struct_size: a newer minor's are longer. */
    const rlloss_arg_value* value =
        (const rlloss_arg_value*)((const char*)values + (size_t)values[0].struct_size * i);
    int m;
    if (value->struct_size != values[0].struct_size) {
      return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                  "create: argument %u has struct_size %u, not the first one's %u", i,
                  value->struct_size, values[0].struct_size);
    }
    if (value->name == NULL || strcmp(value->name, "loss_agg_mode") != 0) {
      return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                  "unknown argument '%s'; declared: loss_agg_mode",
                  value->name ? value->name : "(NULL)");
    }
    if (mode_given) return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "loss_agg_mode given twice");
    if (value->type != RLLOSS_ARG_STRING || value->string == NULL) {
      return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "loss_agg_mode must be a string");
    }
    for (m = 0; m < NUM_AGG_MODES && strcmp(value->string, agg_mode_names[m]) != 0; ++m) {
    }
    if (m == NUM_AGG_MODES) {
      return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                  "loss_agg_mode '%s' is not one of: token-mean, token-sum, seq-mean-token-sum, "
                  "seq-mean-token-mean",
                  value->string);
    }
    mode = (enum agg_mode)m;
    mode_given = 1;
  }
  *out = malloc(sizeof **out);
  if (*out == NULL) return fail(error, RLLOSS_ERROR_INTERNAL, "out of memory");
  (*out)->mode = mode;
  return RLLOSS_OK;
}

static void destroy(rlloss_instance* instance) {
  free(instance);
}

/* ---- tensors ---- */

/* A [rows, cols] view: element (b, t) at data + b * row_stride + t * col_stride elements. */
struct view {
  char* data;
  int64_t row_stride, col_stride;
  int element_size;
};

static int is_float64(DLDataType t) {
  return t.code == kDLFloat && t.bits == 64 && t.lanes == 1;
}
static int is_byte_mask(DLDataType t) {
  return (t.code == kDLUInt || t.code == RLLOSS_DL_BOOL) && t.bits == 8 && t.lanes == 1;
}

/* 0 when `t` is a CPU [rows, cols] tensor whose dtype `accept` takes; else the status, with the
 * message in `error`. */
static rlloss_status check_matrix(const DLTensor* t, const char* name, int64_t rows, int64_t cols,
                                  int (*accept)(DLDataType), struct view* view,
                                  rlloss_error_buffer* error) {
  if (t == NULL) return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "%s is NULL", name);
  if (t->ndim != 2 || t->shape == NULL) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "%s must have rank 2 [B, T] and a shape",
                name);
  }
  if (t->shape[0] != rows || t->shape[1] != cols) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                "%s has shape [%lld, %lld], expected [%lld, %lld]", name, (long long)t->shape[0],
                (long long)t->shape[1], (long long)rows, (long long)cols);
  }
  if (t->device.device_type != kDLCPU) {
    return fail(error, RLLOSS_ERROR_UNSUPPORTED, "%s is not on the CPU; gpg_c serves the CPU only",
                name);
  }
  if (!accept(t->dtype)) {
    return fail(error, RLLOSS_ERROR_UNSUPPORTED, "%s has a dtype gpg_c does not serve (%s)", name,
                accept == is_float64 ? "float64 only" : "bool or uint8 only");
  }
  view->row_stride = t->strides ? t->strides[0] : cols;
  view->col_stride = t->strides ? t->strides[1] : 1;
  if (view->row_stride < 0 || view->col_stride < 0) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "%s has negative strides", name);
  }
  if (t->data == NULL && rows > 0 && cols > 0) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "%s has NULL data", name);
  }
  view->data = (char*)t->data + t->byte_offset;
  view->element_size = t->dtype.bits / 8;
  return RLLOSS_OK;
}

static double read_double(const struct view* v, int64_t b, int64_t t) {
  double value;
  memcpy(&value, v->data + (b * v->row_stride + t * v->col_stride) * v->element_size, sizeof value);
  return value;
}

static void write_double(const struct view* v, int64_t b, int64_t t, double value) {
  memcpy(v->data + (b * v->row_stride + t * v->col_stride) * v->element_size, &value, sizeof value);
}

static unsigned char read_byte(const struct view* v, int64_t b, int64_t t) {
  return (unsigned char)v->data[b * v->row_stride + t * v->col_stride];
}

/* Checks a 0-d or [length] float32/float64 CPU output; sets *is_double and *stride. */
static rlloss_status check_vector(const DLTensor* t, const char* name, int64_t length,
                                  int* is_double, int64_t* stride, rlloss_error_buffer* error) {
  const int shape_ok =
      (t->ndim == 0 && length == 1) || (t->ndim == 1 && t->shape != NULL && t->shape[0] == length);
  if (!shape_ok || t->data == NULL || t->device.device_type != kDLCPU) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                "%s must be a CPU tensor of shape [%lld] with data", name, (long long)length);
  }
  if (t->dtype.code != kDLFloat || (t->dtype.bits != 32 && t->dtype.bits != 64) ||
      t->dtype.lanes != 1) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "%s must be float32 or float64", name);
  }
  *is_double = t->dtype.bits == 64;
  *stride = t->ndim == 1 && t->strides != NULL ? t->strides[0] : 1;
  return RLLOSS_OK;
}

static void write_scalar(DLTensor* t, int64_t index, int64_t stride, int is_double, double value) {
  char* data = (char*)t->data + t->byte_offset;
  if (is_double) {
    ((double*)data)[index * stride] = value;
  } else {
    ((float*)data)[index * stride] = (float)value;
  }
}

/* ---- compute ---- */

static rlloss_status compute(const rlloss_instance* instance, const rlloss_compute_call* call,
                             rlloss_error_buffer* error) {
  struct view log_prob = {0}, old_log_prob = {0}, advantages = {0}, mask = {0}, weights = {0},
              grad = {0};
  int64_t rows, cols, b, t, tokens = 0, sequences = 0, loss_stride = 1, metrics_stride = 1;
  int loss_double = 0, metrics_double = 0;
  double token_count, sequence_count, dp, loss = 0, kl = 0;
  const int has_weights = call != NULL && call->rollout_is_weights != NULL;
  rlloss_status s;

  if (instance == NULL || call == NULL) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "compute: instance or call is NULL");
  }
  if (call->struct_size < RLLOSS_COMPUTE_CALL_STRUCT_SIZE_1_0) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                "compute: call.struct_size %u is smaller than ABI 1.0's %u", call->struct_size,
                (unsigned)RLLOSS_COMPUTE_CALL_STRUCT_SIZE_1_0);
  }
  if (call->log_prob == NULL || call->log_prob->ndim != 2 || call->log_prob->shape == NULL) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "log_prob must have rank 2 [B, T]");
  }
  rows = call->log_prob->shape[0];
  cols = call->log_prob->shape[1];
  if (rows < 0 || cols < 0) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "log_prob has a negative dimension");
  }
  if ((s = check_matrix(call->log_prob, "log_prob", rows, cols, is_float64, &log_prob, error)) ||
      (s = check_matrix(call->old_log_prob, "old_log_prob", rows, cols, is_float64, &old_log_prob,
                        error)) ||
      (s = check_matrix(call->advantages, "advantages", rows, cols, is_float64, &advantages,
                        error)) ||
      (s = check_matrix(call->response_mask, "response_mask", rows, cols, is_byte_mask, &mask,
                        error)) ||
      (has_weights && (s = check_matrix(call->rollout_is_weights, "rollout_is_weights", rows, cols,
                                        is_float64, &weights, error))) ||
      (s = check_matrix(call->grad_log_prob, "grad_log_prob", rows, cols, is_float64, &grad,
                        error))) {
    return s;
  }
  if (call->loss == NULL) return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "loss is NULL");
  if ((s = check_vector(call->loss, "loss", 1, &loss_double, &loss_stride, error)) ||
      (call->metrics != NULL &&
       (s = check_vector(call->metrics, "metrics", 1, &metrics_double, &metrics_stride, error)))) {
    return s;
  }
  if (call->dp_size < 1) return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT, "dp_size must be >= 1");

  /* Pass 1: counts, and the mask holds only 0 and 1. Nothing is written before it succeeds. */
  for (b = 0; b < rows; ++b) {
    int64_t length = 0;
    for (t = 0; t < cols; ++t) {
      const unsigned char m = read_byte(&mask, b, t);
      if (m > 1) {
        return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                    "response_mask holds %u at [%lld, %lld]; a mask must hold only 0 and 1", m,
                    (long long)b, (long long)t);
      }
      length += m;
    }
    tokens += length;
    sequences += length > 0;
  }
  if (call->dp_size > 1 &&
      (instance->mode == TOKEN_MEAN ? call->global_token_count < 0
                                    : instance->mode != TOKEN_SUM && call->global_seq_count < 0)) {
    return fail(error, RLLOSS_ERROR_INVALID_ARGUMENT,
                "dp_size > 1 needs the global count that loss_agg_mode %s divides by",
                agg_mode_names[instance->mode]);
  }
  token_count = (double)(call->global_token_count >= 0 ? call->global_token_count : tokens);
  sequence_count = (double)(call->global_seq_count >= 0 ? call->global_seq_count : sequences);
  dp = (double)call->dp_size;

  /* Pass 2: loss, gradient and the KL metric; excluded tokens are never read. */
  for (b = 0; b < rows; ++b) {
    int64_t length = 0;
    double row_weight, row_loss = 0;
    for (t = 0; t < cols; ++t) length += read_byte(&mask, b, t);
    switch (instance->mode) {
      case TOKEN_MEAN: row_weight = token_count > 0 ? dp / token_count : 0; break;
      case TOKEN_SUM: row_weight = dp; break;
      case SEQ_MEAN_TOKEN_SUM: row_weight = sequence_count > 0 ? dp / sequence_count : 0; break;
      default:
        row_weight = sequence_count > 0 ? dp / (sequence_count * ((double)length + 1e-8)) : 0;
        break;
    }
    for (t = 0; t < cols; ++t) {
      double a, w;
      if (read_byte(&mask, b, t) == 0) {
        write_double(&grad, b, t, 0.0);
        continue;
      }
      a = read_double(&advantages, b, t);
      w = has_weights ? read_double(&weights, b, t) : 1.0;
      row_loss += -a * read_double(&log_prob, b, t) * w;
      kl += read_double(&old_log_prob, b, t) - read_double(&log_prob, b, t);
      write_double(&grad, b, t, -a * w * row_weight);
    }
    loss += row_weight * row_loss;
  }
  write_scalar(call->loss, 0, loss_stride, loss_double, loss);
  if (call->metrics != NULL) {
    write_scalar(call->metrics, 0, metrics_stride, metrics_double, tokens > 0 ? kl / tokens : 0);
  }
  return RLLOSS_OK;
}

/* ---- the table and the entry point ---- */

static const rlloss_plugin table = {
    sizeof(rlloss_plugin),
    RLLOSS_ABI_VERSION_MAJOR,
    RLLOSS_ABI_VERSION_MINOR,
    "gpg_c",
    "1.0.0",
    "plain policy gradient -A * log_prob (verl's gpg), written in C against the ABI alone",
    RLLOSS_DEVICE_BIT(kDLCPU),
    metric_names,
    1,
    args,
    1,
    create,
    compute,
    destroy,
    0,
};

RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) {
  return host_abi_major == RLLOSS_ABI_VERSION_MAJOR ? &table : NULL;
}
