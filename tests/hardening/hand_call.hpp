// A compute call built by hand from DLTensors over host buffers (no LibTorch), with every output
// prefilled with a sentinel so a test can prove a refused call wrote nothing.
#pragma once

#include <rlloss/plugin_api.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace rlloss::test {

inline constexpr float kSentinel = 12345.5f;

// One tensor: its own shape and strides arrays and a byte buffer the DLTensor points into.
struct HandTensor {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // empty: NULL strides (C-contiguous)
  std::vector<unsigned char> bytes;
  DLTensor dl{};

  HandTensor() = default;
  HandTensor(const HandTensor&) = delete;
  HandTensor& operator=(const HandTensor&) = delete;

  // Re-points dl at this object's arrays; call after changing shape, strides or bytes.
  DLTensor* refresh() {
    dl.shape = shape.empty() ? nullptr : shape.data();
    dl.ndim = static_cast<int32_t>(shape.size());
    dl.strides = strides.empty() ? nullptr : strides.data();
    if (dl.data != nullptr || bytes.empty()) dl.data = bytes.empty() ? nullptr : bytes.data();
    return &dl;
  }
};

template <class T>
void fill_tensor(HandTensor& t, const std::vector<T>& values, std::vector<int64_t> shape,
                 DLDataType dtype) {
  t.shape = std::move(shape);
  t.strides.clear();
  t.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  t.dl = DLTensor{};
  t.dl.data = t.bytes.empty() ? nullptr : t.bytes.data();
  t.dl.device = {kDLCPU, 0};
  t.dl.dtype = dtype;
  t.refresh();
}

inline constexpr DLDataType kFloat32{kDLFloat, 32, 1};
inline constexpr DLDataType kFloat64{kDLFloat, 64, 1};
inline constexpr DLDataType kUInt8{kDLUInt, 8, 1};
inline constexpr DLDataType kInt32{kDLInt, 32, 1};
inline constexpr DLDataType kFloat16{kDLFloat, 16, 1};

// A valid float32 [rows, cols] batch with a ragged mask, and sentinel-filled outputs.
struct HandCall {
  HandTensor log_prob, old_log_prob, advantages, response_mask, weights;
  HandTensor loss, grad, metrics;
  bool with_weights = true;
  bool with_metrics = true;

  HandCall(int64_t rows, int64_t cols, int64_t num_metrics) {
    const size_t n = static_cast<size_t>(rows * cols);
    std::vector<float> lp(n), old(n), adv(n), w(n);
    std::vector<uint8_t> mask(n);
    for (size_t i = 0; i < n; ++i) {
      lp[i] = -0.1f * static_cast<float>(i % 7) - 0.2f;
      old[i] = -0.15f * static_cast<float>(i % 5) - 0.1f;
      adv[i] = (i % 3 == 0 ? 1.5f : -0.75f) + 0.01f * static_cast<float>(i);
      w[i] = 0.5f + 0.1f * static_cast<float>(i % 4);
      // Odd rows leave their last token out.
      const size_t row = i / static_cast<size_t>(cols);
      const size_t col = i % static_cast<size_t>(cols);
      mask[i] = row % 2 == 1 && col + 1 == static_cast<size_t>(cols) ? 0 : 1;
    }
    fill_tensor(log_prob, lp, {rows, cols}, kFloat32);
    fill_tensor(old_log_prob, old, {rows, cols}, kFloat32);
    fill_tensor(advantages, adv, {rows, cols}, kFloat32);
    fill_tensor(response_mask, mask, {rows, cols}, kUInt8);
    fill_tensor(weights, w, {rows, cols}, kFloat32);
    // One spare sentinel element past every output: a write out of bounds changes it.
    fill_tensor(grad, std::vector<float>(n + 1, kSentinel), {rows, cols}, kFloat32);
    fill_tensor(loss, std::vector<float>(2, kSentinel), {1}, kFloat32);
    fill_tensor(metrics,
                std::vector<double>(static_cast<size_t>(num_metrics) + 1, double{kSentinel}),
                {num_metrics}, kFloat64);
  }

  rlloss_compute_call call() {
    rlloss_compute_call c{};
    c.struct_size = sizeof(rlloss_compute_call);
    c.log_prob = log_prob.refresh();
    c.old_log_prob = old_log_prob.refresh();
    c.advantages = advantages.refresh();
    c.response_mask = response_mask.refresh();
    c.rollout_is_weights = with_weights ? weights.refresh() : nullptr;
    c.global_token_count = -1;
    c.global_seq_count = -1;
    c.dp_size = 1;
    c.num_threads = 1;
    c.loss = loss.refresh();
    c.grad_log_prob = grad.refresh();
    c.metrics = with_metrics ? metrics.refresh() : nullptr;
    return c;
  }

  // The bytes of every output buffer, spare elements included.
  std::vector<unsigned char> output_bytes() const {
    std::vector<unsigned char> all;
    for (const HandTensor* t : {&loss, &grad, &metrics}) {
      all.insert(all.end(), t->bytes.begin(), t->bytes.end());
    }
    return all;
  }
};

}  // namespace rlloss::test
