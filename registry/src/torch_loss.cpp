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

    DLTensor log_prob_view = dlpack_view(log_prob);
    DLTensor old_view = dlpack_view(inputs->old_log_prob);
    DLTensor advantages_view = dlpack_view(inputs->advantages);
    DLTensor mask_view = dlpack_view(inputs->response_mask);
    DLTensor weights_view{};
    if (inputs->rollout_is_weights) weights_view = dlpack_view(*inputs->rollout_is_weights);
    DLTensor loss_view = dlpack_view(loss_value);
    DLTensor grad_view = dlpack_view(grad);
    DLTensor metrics_view = dlpack_view(metric_values);

    ComputeTensors tensors;
    tensors.log_prob = &log_prob_view;
    tensors.old_log_prob = &old_view;
    tensors.advantages = &advantages_view;
    tensors.response_mask = &mask_view;
    tensors.rollout_is_weights = inputs->rollout_is_weights ? &weights_view : nullptr;
    tensors.loss = &loss_view;
    tensors.grad_log_prob = &grad_view;
    tensors.metrics = metric_names.empty() ? nullptr : &metrics_view;
    loss->compute(make_compute_call(tensors, inputs->normalisers, inputs->num_threads,
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
