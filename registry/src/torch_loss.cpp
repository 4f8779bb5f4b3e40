// The LibTorch binding: DLPack views of torch tensors and the autograd Function around one plugin
// call. The plugin validates every tensor; this file only describes them.
#include <rlloss/torch_loss.hpp>

#if defined(RLLOSS_TORCH_HAS_CUDA)
#include <c10/cuda/CUDAStream.h>
#endif

#include <string>
#include <utility>
#include <vector>

namespace rlloss {

DLDataType dlpack_dtype(c10::ScalarType type) {
  const auto make = [](DLDataTypeCode code, int bits) {
    return DLDataType{static_cast<uint8_t>(code), static_cast<uint8_t>(bits), 1};
  };
  switch (type) {
    case c10::ScalarType::Float: return make(kDLFloat, 32);
    case c10::ScalarType::Double: return make(kDLFloat, 64);
    case c10::ScalarType::Half: return make(kDLFloat, 16);
    case c10::ScalarType::BFloat16: return make(kDLBfloat, 16);
    case c10::ScalarType::Bool: return DLDataType{RLLOSS_DL_BOOL, 8, 1};
    case c10::ScalarType::Byte: return make(kDLUInt, 8);
    case c10::ScalarType::Char: return make(kDLInt, 8);
    case c10::ScalarType::Short: return make(kDLInt, 16);
    case c10::ScalarType::Int: return make(kDLInt, 32);
    case c10::ScalarType::Long: return make(kDLInt, 64);
    default:
      throw RegistryError(std::string("a tensor of dtype ") + c10::toString(type) +
                          " has no DLPack description");
  }
}

namespace {

DLDevice dl_device(const c10::Device& device) {
  if (device.is_cpu()) return DLDevice{kDLCPU, 0};
  if (device.is_cuda()) return DLDevice{kDLCUDA, static_cast<int32_t>(device.index())};
  throw RegistryError("a tensor on device " + device.str() + " has no DLPack description");
}

// The stream a plugin call runs on: for CUDA tensors LibTorch's current stream on their device,
// so the plugin's kernels are ordered with the caller's work and the host never waits. CPU
// calls take none. Debian's LibTorch has no CUDA; a CUDA LibTorch defines RLLOSS_TORCH_HAS_CUDA.
void* stream_for(const c10::Device& device) {
#if defined(RLLOSS_TORCH_HAS_CUDA)
  if (device.is_cuda()) return c10::cuda::getCurrentCUDAStream(device.index()).stream();
#else
  (void)device;
#endif
  return nullptr;
}

void require_defined(const torch::Tensor& t, const char* name) {
  if (!t.defined()) throw RegistryError(std::string("input '") + name + "' is an undefined tensor");
}

using MetricMap = std::map<std::string, torch::Tensor>;

// Only log_prob is a differentiable input; the loss, the rest of the inputs and the metrics'
// destination ride along as plain pointers.
class PluginLossFunction : public torch::autograd::Function<PluginLossFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor log_prob,
                               const Loss* loss, const LossInputs* inputs, MetricMap* metrics) {
    const auto metric_names = loss->metric_names();
    const auto on_device = log_prob.options().dtype(torch::kFloat64);
    torch::Tensor loss_value = torch::zeros({}, on_device);
    torch::Tensor grad = torch::empty_like(log_prob, at::MemoryFormat::Contiguous);
    torch::Tensor metric_values =
        torch::zeros({static_cast<int64_t>(metric_names.size())}, on_device);

    TorchCallTensors call;
    call.log_prob = log_prob;
    call.old_log_prob = inputs->old_log_prob;
    call.advantages = inputs->advantages;
    call.response_mask = inputs->response_mask;
    call.rollout_is_weights = inputs->rollout_is_weights.value_or(torch::Tensor());
    call.loss = loss_value;
    call.grad_log_prob = grad;
    if (!metric_names.empty()) call.metrics = metric_values;
    const TorchCallViews views(std::move(call));
    loss->compute(make_compute_call(views.tensors(), inputs->normalisers, inputs->num_threads,
                                    stream_for(log_prob.device())));

    ctx->save_for_backward({grad});
    for (size_t i = 0; i < metric_names.size(); ++i) {
      (*metrics)[metric_names[i]] = metric_values[static_cast<int64_t>(i)].detach();
    }
    return loss_value.to(log_prob.scalar_type());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const torch::Tensor grad = ctx->get_saved_variables()[0];
    return {grad * grad_outputs[0], torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

DLTensor dlpack_view(const torch::Tensor& t) {
  if (!t.defined()) throw RegistryError("cannot describe an undefined tensor as a DLTensor");
  DLTensor view{};
  view.data = t.data_ptr();
  view.device = dl_device(t.device());
  view.ndim = static_cast<int32_t>(t.dim());
  view.dtype = dlpack_dtype(t.scalar_type());
  // DLPack's fields are non-const for historical reasons; plugins never write through them.
  view.shape = const_cast<int64_t*>(t.sizes().data());
  view.strides = const_cast<int64_t*>(t.strides().data());
  view.byte_offset = 0;
  return view;
}

TorchCallViews::TorchCallViews(TorchCallTensors tensors) : tensors_(std::move(tensors)) {
  const auto view = [](const torch::Tensor& t, DLTensor& out) {
    out = dlpack_view(t);
    return &out;
  };
  const auto optional_view = [&](const torch::Tensor& t, DLTensor& out) {
    return t.defined() ? view(t, out) : nullptr;
  };
  pointers_.log_prob = view(tensors_.log_prob, log_prob_);
  pointers_.old_log_prob = view(tensors_.old_log_prob, old_log_prob_);
  pointers_.advantages = view(tensors_.advantages, advantages_);
  pointers_.response_mask = view(tensors_.response_mask, response_mask_);
  pointers_.rollout_is_weights = optional_view(tensors_.rollout_is_weights, rollout_is_weights_);
  pointers_.loss = view(tensors_.loss, loss_);
  pointers_.grad_log_prob = view(tensors_.grad_log_prob, grad_log_prob_);
  pointers_.metrics = optional_view(tensors_.metrics, metrics_);
}

LossOutput compute_loss(const Loss& loss, const LossInputs& inputs) {
  require_defined(inputs.log_prob, "log_prob");
  require_defined(inputs.old_log_prob, "old_log_prob");
  require_defined(inputs.advantages, "advantages");
  require_defined(inputs.response_mask, "response_mask");
  if (inputs.rollout_is_weights) require_defined(*inputs.rollout_is_weights, "rollout_is_weights");
  LossOutput output;
  output.loss = PluginLossFunction::apply(inputs.log_prob, &loss, &inputs, &output.metrics);
  return output;
}

}  // namespace rlloss
