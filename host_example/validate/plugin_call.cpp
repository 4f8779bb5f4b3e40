#include "plugin_call.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace rlloss::validate {
namespace {

// What every output holds before the call: NaNs with payloads no arithmetic produces. An output
// that still holds one afterwards was not written, though the plugin reported success.
constexpr uint64_t kSentinel64 = 0x7ff8dead5e7e1e57ULL;
constexpr uint32_t kSentinel32 = 0x7fdead57U;

template <typename T, typename Bits>
T from_bits(Bits bits) {
  T value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

template <typename Bits, typename T>
bool has_bits(T value, Bits bits) {
  Bits actual;
  std::memcpy(&actual, &value, sizeof actual);
  return actual == bits;
}

// A [rows, cols] host tensor of one dtype, laid out by an InputLayout::Order (or broadcast along
// the columns), with its DLTensor.
class HostMatrix {
 public:
  HostMatrix(int64_t rows, int64_t cols, DLDataType dtype, InputLayout::Order order,
             bool broadcast_columns = false)
      : rows_(rows), cols_(cols), dtype_(dtype) {
    shape_[0] = rows;
    shape_[1] = cols;
    int64_t elements = rows * cols;
    if (broadcast_columns) {
      strides_[0] = 1;
      strides_[1] = 0;
      elements = rows;
    } else if (order == InputLayout::Order::padded) {
      strides_[0] = 2 * cols + 3;  // every other column of a wider, padded buffer
      strides_[1] = 2;
      elements = rows * strides_[0];
    } else if (order == InputLayout::Order::column_major) {
      strides_[0] = 1;
      strides_[1] = rows;
    } else {
      strides_[0] = cols;
      strides_[1] = 1;
    }
    bytes_.assign(static_cast<size_t>(std::max<int64_t>(elements, 1)) * dtype.bits / 8, 0);
    tensor_.data = bytes_.data();
    tensor_.device = {kDLCPU, 0};
    tensor_.ndim = 2;
    tensor_.dtype = dtype;
    tensor_.shape = shape_;
    // Compact row-major tensors go as DLPack's NULL strides, the common case from producers.
    tensor_.strides =
        order == InputLayout::Order::row_major && !broadcast_columns ? nullptr : strides_;
  }

  DLTensor* tensor() { return &tensor_; }

  void set(int64_t b, int64_t t, double value) {
    const int64_t index = b * strides_[0] + t * strides_[1];
    if (dtype_.code == kDLFloat && dtype_.bits == 64) {
      reinterpret_cast<double*>(bytes_.data())[index] = value;
    } else if (dtype_.code == kDLFloat) {
      reinterpret_cast<float*>(bytes_.data())[index] = static_cast<float>(value);
    } else {
      bytes_[static_cast<size_t>(index)] = static_cast<uint8_t>(value);
    }
  }

  double get(int64_t b, int64_t t) const {
    const int64_t index = b * strides_[0] + t * strides_[1];
    if (dtype_.bits == 64) return reinterpret_cast<const double*>(bytes_.data())[index];
    return reinterpret_cast<const float*>(bytes_.data())[index];
  }

  void fill(const std::vector<double>& values) {
    for (int64_t b = 0; b < rows_; ++b) {
      for (int64_t t = 0; t < cols_; ++t) set(b, t, values[static_cast<size_t>(b * cols_ + t)]);
    }
  }

  void fill_all(double value) {
    for (int64_t b = 0; b < rows_; ++b) {
      for (int64_t t = 0; t < cols_; ++t) set(b, t, value);
    }
  }

  bool holds_sentinel(int64_t b, int64_t t) const {
    const int64_t index = b * strides_[0] + t * strides_[1];
    if (dtype_.bits == 64) {
      return has_bits(reinterpret_cast<const double*>(bytes_.data())[index], kSentinel64);
    }
    return has_bits(reinterpret_cast<const float*>(bytes_.data())[index], kSentinel32);
  }

 private:
  int64_t rows_, cols_;
  DLDataType dtype_;
  int64_t shape_[2];
  int64_t strides_[2];
  std::vector<uint8_t> bytes_;
  DLTensor tensor_{};
};

DLDataType float_dtype(InputLayout::Floats floats) {
  return floats == InputLayout::Floats::float32 ? DLDataType{kDLFloat, 32, 1}
                                                : DLDataType{kDLFloat, 64, 1};
}

DLDataType mask_dtype(InputLayout::Mask mask) {
  switch (mask) {
    case InputLayout::Mask::boolean: return {RLLOSS_DL_BOOL, 8, 1};
    case InputLayout::Mask::float64: return {kDLFloat, 64, 1};
    case InputLayout::Mask::float32: return {kDLFloat, 32, 1};
    default: return {kDLUInt, 8, 1};
  }
}

// The advantage of each row, for a broadcast: the first column's.
std::vector<double> row_values(const Batch& batch) {
  std::vector<double> rows(static_cast<size_t>(batch.size()));
  for (int64_t b = 0; b < batch.rows; ++b) {
    for (int64_t t = 0; t < batch.cols; ++t) {
      rows[static_cast<size_t>(b * batch.cols + t)] =
          batch.advantages[static_cast<size_t>(b * batch.cols)];
    }
  }
  return rows;
}

}  // namespace

std::string InputLayout::label() const {
  std::string text;
  const auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (floats == Floats::float32) add("float32");
  if (mask == Mask::boolean) add("bool mask");
  if (mask == Mask::float64) add("float64 mask");
  if (mask == Mask::float32) add("float32 mask");
  if (order == Order::padded) add("padded strides");
  if (order == Order::column_major) add("column-major");
  if (broadcast_advantages) add("broadcast advantages");
  return text.empty() ? "float64 row-major" : text;
}

struct PreparedCall::Buffers {
  Buffers(const Batch& batch, const InputLayout& layout)
      : layout(layout),
        rows(batch.rows),
        cols(batch.cols),
        has_is_weights(batch.has_is_weights()),
        log_prob(rows, cols, float_dtype(layout.floats), layout.order),
        old_log_prob(rows, cols, float_dtype(layout.floats), layout.order),
        advantages(rows, cols, float_dtype(layout.floats), layout.order,
                   layout.broadcast_advantages),
        is_weights(rows, cols, float_dtype(layout.floats), layout.order),
        mask(rows, cols, mask_dtype(layout.mask), layout.order),
        grad(rows, cols, float_dtype(layout.floats), InputLayout::Order::row_major) {}

  void fill(const Batch& batch) {
    log_prob.fill(batch.log_prob);
    old_log_prob.fill(batch.old_log_prob);
    advantages.fill(layout.broadcast_advantages ? row_values(batch) : batch.advantages);
    if (has_is_weights) is_weights.fill(batch.is_weights);
    std::vector<double> mask_values(batch.mask.begin(), batch.mask.end());
    mask.fill(mask_values);
  }

  InputLayout layout;
  int64_t rows, cols;
  bool has_is_weights;
  HostMatrix log_prob, old_log_prob, advantages, is_weights, mask, grad;
  double loss = 0;
  std::vector<double> metrics;
};

PreparedCall::PreparedCall(const Loss& loss, const Batch& batch, const DpSettings& dp,
                           const InputLayout& layout)
    : loss_(loss), dp_(dp), buffers_(std::make_unique<Buffers>(batch, layout)) {
  buffers_->fill(batch);
}

PreparedCall::~PreparedCall() = default;

void PreparedCall::refill(const Batch& batch) {
  buffers_->fill(batch);
}

void PreparedCall::poison_inputs() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  buffers_->log_prob.fill_all(nan);
  buffers_->old_log_prob.fill_all(nan);
  buffers_->advantages.fill_all(nan);
  buffers_->is_weights.fill_all(nan);
  buffers_->mask.fill_all(0);
}

PluginOutput PreparedCall::run(int num_threads) {
  Buffers& b = *buffers_;
  const int64_t rows = b.rows;
  const int64_t cols = b.cols;
  const bool float32 = b.layout.floats == InputLayout::Floats::float32;
  // The gradient is compact row-major (HostMatrix with Order::row_major).
  void* grad_data = b.grad.tensor()->data;
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (float32) {
      static_cast<float*>(grad_data)[i] = from_bits<float>(kSentinel32);
    } else {
      static_cast<double*>(grad_data)[i] = from_bits<double>(kSentinel64);
    }
  }
  b.loss = from_bits<double>(kSentinel64);
  b.metrics.assign(loss_.metric_names().size(), from_bits<double>(kSentinel64));

  const DLDataType f64{kDLFloat, 64, 1};
  int64_t metric_shape[1] = {static_cast<int64_t>(b.metrics.size())};
  DLTensor metrics{};
  metrics.data = b.metrics.data();
  metrics.device = {kDLCPU, 0};
  metrics.ndim = 1;
  metrics.dtype = f64;
  metrics.shape = metric_shape;
  DLTensor loss_tensor{};
  loss_tensor.data = &b.loss;
  loss_tensor.device = {kDLCPU, 0};
  loss_tensor.ndim = 0;
  loss_tensor.dtype = f64;

  ComputeTensors tensors;
  tensors.log_prob = b.log_prob.tensor();
  tensors.old_log_prob = b.old_log_prob.tensor();
  tensors.advantages = b.advantages.tensor();
  tensors.response_mask = b.mask.tensor();
  tensors.rollout_is_weights = b.has_is_weights ? b.is_weights.tensor() : nullptr;
  tensors.loss = &loss_tensor;
  tensors.grad_log_prob = b.grad.tensor();
  tensors.metrics = b.metrics.empty() ? nullptr : &metrics;
  loss_.compute(make_compute_call(tensors, dp_, num_threads));

  const auto unwritten = [](const std::string& what) {
    throw RegistryError("the plugin reported success but left " + what +
                        " unwritten (it still holds the value the host put there)");
  };
  PluginOutput out;
  if (has_bits(b.loss, kSentinel64)) unwritten("the loss");
  out.loss = b.loss;
  out.grad.resize(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t t = 0; t < cols; ++t) {
      if (b.grad.holds_sentinel(r, t)) {
        unwritten("grad_log_prob[" + std::to_string(r) + ", " + std::to_string(t) + "]");
      }
      out.grad[static_cast<size_t>(r * cols + t)] = b.grad.get(r, t);
    }
  }
  for (size_t i = 0; i < b.metrics.size(); ++i) {
    if (has_bits(b.metrics[i], kSentinel64)) unwritten("metric " + std::to_string(i));
  }
  out.metrics = b.metrics;
  return out;
}

PluginOutput run_plugin(const Loss& loss, const Batch& batch, const DpSettings& dp, int num_threads,
                        const InputLayout& layout) {
  return PreparedCall(loss, batch, dp, layout).run(num_threads);
}

}  // namespace rlloss::validate
