// A token-mean policy-gradient loss (l = -A r w, r = exp(clamp(log_prob - old_log_prob, +-20)))
// written by hand against the C ABI, without the kit's fused pass, so it can make the mistakes
// the kit rules out. RLLOSS_NAIVE_FLAW picks one; everything else is correct:
//   1 (naive_leak):        sums l * m, so NaN * 0 from masked slots leaks into every result;
//   2 (naive_thread_sum):  an OpenMP reduction whose summation order follows the thread count;
//   3 (naive_local_count): ignores the global token count (divides by its own) while still
//                          multiplying by dp_size, so data-parallel ranks disagree;
//   4 (naive_writes_nothing): returns success and writes no output at all;
//   5 (naive_loss_only):   writes the loss but neither the gradient nor the metrics;
//   6 (naive_ignores_mask): counts the masked-in tokens but computes every token as unmasked;
//   7 (naive_ignores_is):  ignores rollout_is_weights;
//   8 (naive_keeps_pointer): remembers the last call's log_prob address and, called again on the
//                          same address, returns the results it kept instead of reading the
//                          values ("nothing changed since last time");
//   9 (naive_ignores_strides): reads every input as compact row-major, whatever its strides
//                          (where its memory is large enough for that, so it stays in bounds).
// float32 inputs and float masks it refuses as unsupported, as the ABI allows.
#include <omp.h>
#include <rlloss/plugin_api.h>

#include <algorithm>
#include <cmath>
#include <rlloss/kit/error.hpp>
#include <rlloss/kit/tensors.hpp>
#include <string>
#include <vector>

#ifndef RLLOSS_NAIVE_FLAW
#error "define RLLOSS_NAIVE_FLAW to 1 ... 9"
#endif

namespace {

using rlloss::kit::fail;

constexpr int kFlaw = RLLOSS_NAIVE_FLAW;
constexpr bool kLeaksMasked = kFlaw == 1;
constexpr bool kThreadDependentSum = kFlaw == 2;
constexpr bool kLocalCount = kFlaw == 3;
constexpr bool kWritesNothing = kFlaw == 4;
constexpr bool kLossOnly = kFlaw == 5;
constexpr bool kIgnoresMask = kFlaw == 6;
constexpr bool kIgnoresWeights = kFlaw == 7;
constexpr bool kKeepsPointer = kFlaw == 8;
constexpr bool kIgnoresStrides = kFlaw == 9;

constexpr const char* kNames[] = {"",
                                  "naive_leak",
                                  "naive_thread_sum",
                                  "naive_local_count",
                                  "naive_writes_nothing",
                                  "naive_loss_only",
                                  "naive_ignores_mask",
                                  "naive_ignores_is",
                                  "naive_keeps_pointer",
                                  "naive_ignores_strides"};
constexpr const char* kName = kNames[kFlaw];
constexpr const char* kMetricNames[] = {"ratio_mean"};

// No arguments; naive_keeps_pointer's memory of its last call.
struct Instance {
  const void* last_log_prob = nullptr;
  int64_t last_rows = -1, last_cols = -1;
  double last_loss = 0, last_metric = 0;
  std::vector<double> last_grad;
};

struct Token {
  double loss, dloss, ratio;
};

Token token(double log_prob, double old_log_prob, double advantage, double is_weight) {
  const double raw = log_prob - old_log_prob;
  const double ratio = std::exp(std::clamp(raw, -20.0, 20.0));
  const double passes = raw >= -20 && raw <= 20 ? 1.0 : 0.0;
  return {-advantage * ratio * is_weight, -advantage * ratio * is_weight * passes, ratio};
}

double* float64_output(const DLTensor* t, const char* name) {
  if (t == nullptr || t->data == nullptr) fail(std::string(name) + " is missing");
  if (t->dtype.code != kDLFloat || t->dtype.bits != 64)
    fail(std::string(name) + " must be float64");
  return reinterpret_cast<double*>(rlloss::kit::tensor_data(*t));
}

void run(Instance& instance, const rlloss_compute_call& call) {
  using rlloss::kit::MatrixView;
  if (call.log_prob == nullptr || call.log_prob->ndim != 2) fail("log_prob must be [B, T]");
  const int64_t rows = call.log_prob->shape[0];
  const int64_t cols = call.log_prob->shape[1];
  const DLDevice device = call.log_prob->device;
  if (device.device_type != kDLCPU) rlloss::kit::fail_unsupported("cpu only");
  const auto view = [&](const DLTensor* t, const char* name) {
    MatrixView v = rlloss::kit::view_matrix(t, name, rows, cols, device);
    if (v.dtype != rlloss::kit::Dtype::float64) {
      rlloss::kit::fail_unsupported(std::string(name) + " must be float64");
    }
    // Reads any tensor whose memory could hold a compact one as if it were compact (a stride-0
    // broadcast could not, and reading it so would run past its buffer).
    const int64_t extent = (rows - 1) * v.row_stride + (cols - 1) * v.col_stride + 1;
    if (kIgnoresStrides && extent >= rows * cols) {
      v.row_stride = cols;
      v.col_stride = 1;
    }
    return v;
  };
  const MatrixView log_prob = view(call.log_prob, "log_prob");
  const MatrixView old_log_prob = view(call.old_log_prob, "old_log_prob");
  const MatrixView advantages = view(call.advantages, "advantages");
  const bool has_weights = call.rollout_is_weights != nullptr && !kIgnoresWeights;
  const MatrixView weights =
      has_weights ? view(call.rollout_is_weights, "rollout_is_weights") : MatrixView{};
  const MatrixView mask =
      rlloss::kit::view_matrix(call.response_mask, "response_mask", rows, cols, device);
  if (mask.dtype != rlloss::kit::Dtype::byte) {
    rlloss::kit::fail_unsupported("response_mask must be bool or uint8");
  }
  double* grad = call.grad_log_prob ? float64_output(call.grad_log_prob, "grad_log_prob") : nullptr;
  double* loss = float64_output(call.loss, "loss");
  if (kWritesNothing) return;
  if (kLossOnly) grad = nullptr;
  if (kKeepsPointer && log_prob.data == instance.last_log_prob && rows == instance.last_rows &&
      cols == instance.last_cols && grad != nullptr) {
    *loss = instance.last_loss;
    std::copy(instance.last_grad.begin(), instance.last_grad.end(), grad);
    if (call.metrics != nullptr) float64_output(call.metrics, "metrics")[0] = instance.last_metric;
    return;
  }

  const auto at = [](const MatrixView& v, int64_t b, int64_t t) {
    return reinterpret_cast<const double*>(v.data)[b * v.row_stride + t * v.col_stride];
  };
  const auto mask_at = [&](int64_t b, int64_t t) {
    return reinterpret_cast<const uint8_t*>(mask.data)[b * mask.row_stride + t * mask.col_stride];
  };
  int64_t tokens = 0;
  for (int64_t b = 0; b < rows; ++b) {
    for (int64_t t = 0; t < cols; ++t) tokens += mask_at(b, t) != 0;
  }
  if (call.dp_size < 1) fail("dp_size must be >= 1");
  if (call.global_token_count >= 0 && call.global_token_count < tokens) {
    fail("global_token_count is smaller than the local count");
  }
  if (!kLocalCount && call.dp_size > 1 && call.global_token_count < 0) {
    fail("dp_size > 1 needs global_token_count");
  }
  const int64_t count =
      !kLocalCount && call.global_token_count >= 0 ? call.global_token_count : tokens;
  const double weight = count > 0 ? static_cast<double>(call.dp_size) / count : 0.0;

  double loss_sum = 0;
  double ratio_sum = 0;
  const int64_t total = rows * cols;
  const auto step = [&](int64_t i, double& loss_acc, double& ratio_acc) {
    const int64_t b = i / cols;
    const int64_t t = i % cols;
    const double m = kIgnoresMask || mask_at(b, t) != 0 ? 1.0 : 0.0;
    if (!kLeaksMasked && m == 0) {
      if (grad) grad[i] = 0;
      return;
    }
    const Token k = token(at(log_prob, b, t), at(old_log_prob, b, t), at(advantages, b, t),
                          has_weights ? at(weights, b, t) : 1.0);
    if (grad) grad[i] = k.dloss * weight * m;
    loss_acc += k.loss * m;
    ratio_acc += k.ratio * m;
  };
  if (kThreadDependentSum) {
    const int threads = call.num_threads > 0 ? call.num_threads : omp_get_max_threads();
#pragma omp parallel for schedule(static) num_threads(threads) reduction(+ : loss_sum, ratio_sum)
    for (int64_t i = 0; i < total; ++i) step(i, loss_sum, ratio_sum);
  } else {
    for (int64_t i = 0; i < total; ++i) step(i, loss_sum, ratio_sum);
  }
  *loss = loss_sum * weight;
  const double ratio_mean = tokens > 0 ? ratio_sum / tokens : 0.0;
  if (call.metrics != nullptr && !kLossOnly)
    float64_output(call.metrics, "metrics")[0] = ratio_mean;
  if (kKeepsPointer && grad != nullptr) {
    instance.last_log_prob = log_prob.data;
    instance.last_rows = rows;
    instance.last_cols = cols;
    instance.last_loss = *loss;
    instance.last_metric = ratio_mean;
    instance.last_grad.assign(grad, grad + total);
  }
}

rlloss_status create(const rlloss_arg_value*, uint32_t num_values, rlloss_instance** out,
                     rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  return rlloss::kit::guarded(error, [&] {
    if (out == nullptr) fail("create: `out` is NULL");
    if (num_values != 0) fail(std::string(kName) + " takes no arguments");
    *out = reinterpret_cast<rlloss_instance*>(new Instance());
  });
}

rlloss_status compute(const rlloss_instance* instance, const rlloss_compute_call* call,
                      rlloss_error_buffer* error) {
  return rlloss::kit::guarded(error, [&] {
    if (instance == nullptr || call == nullptr) fail("compute: NULL instance or call");
    // Only naive_keeps_pointer writes to it, unsafely for concurrent calls: one more flaw.
    run(*const_cast<Instance*>(reinterpret_cast<const Instance*>(instance)), *call);
  });
}

void destroy(rlloss_instance* instance) {
  delete reinterpret_cast<Instance*>(instance);
}

const rlloss_plugin kTable = {
    sizeof(rlloss_plugin),
    RLLOSS_ABI_VERSION_MAJOR,
    RLLOSS_ABI_VERSION_MINOR,
    kName,
    "0.0.1",
    "hand-written policy gradient with a deliberate flaw (test plugin)",
    RLLOSS_DEVICE_BIT(kDLCPU),
    kMetricNames,
    1,
    nullptr,
    0,
    &create,
    &compute,
    &destroy,
    0,
};

}  // namespace

extern "C" RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t) {
  return &kTable;
}
