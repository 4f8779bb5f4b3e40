// A loss plugin's C ABI table around a Math type: create/compute/destroy, the validation of a
// compute call, the aggregation weights and the hand-off to the CPU or CUDA pass. A plugin supplies
// only its per-token math and schema (see plugins/sapo/sapo_math.hpp for the contract) and writes
//   RLLOSS_DEFINE_PLUGIN(MyMath)
// in one source file, plus one kernel source with RLLOSS_DEFINE_CPU_KERNEL(MyMath).
#pragma once

#include <rlloss/plugin_api.h>

#include <algorithm>
#include <cstddef>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/cpu_call.hpp>
#include <rlloss/kit/cpu_dispatch.hpp>
#include <rlloss/kit/cuda_call.hpp>
#include <rlloss/kit/device_macros.hpp>
#include <rlloss/kit/error.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/schema.hpp>
#include <rlloss/kit/sequence_lengths.hpp>
#include <rlloss/kit/tensors.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace rlloss::kit {

inline void store_value(const DLTensor& t, int64_t index, double value) {
  const int64_t stride = t.ndim == 1 && t.strides != nullptr ? t.strides[0] : 1;
  char* data = tensor_data(t);
  if (dtype_of(t.dtype) == Dtype::float32) {
    reinterpret_cast<float*>(data)[index * stride] = static_cast<float>(value);
  } else {
    reinterpret_cast<double*>(data)[index * stride] = value;
  }
}

inline constexpr size_t kComputeCallMinSize = RLLOSS_COMPUTE_CALL_STRUCT_SIZE_1_0;

inline void require_input_dtype(const MatrixView& v, const char* name, Dtype expected) {
  if (v.dtype != expected) {
    fail(std::string(name) + " has dtype " + dtype_name(v.dtype) + " but log_prob has " +
         dtype_name(expected) +
         "; log_prob, old_log_prob, advantages and rollout_is_weights must share one dtype");
  }
}

// A Math type declares `static constexpr bool kSurrogateGradient = true` when its gradient holds
// factors constant (see RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT); it is false otherwise.
template <class Math, class = void>
inline constexpr bool kSurrogateGradient = false;
template <class Math>
inline constexpr bool kSurrogateGradient<Math, std::void_t<decltype(Math::kSurrogateGradient)>> =
    Math::kSurrogateGradient;

template <class Math>
class Plugin {
 public:
  static const rlloss_plugin* table() {
    static const rlloss_plugin kTable = {
        sizeof(rlloss_plugin),
        RLLOSS_ABI_VERSION_MAJOR,
        RLLOSS_ABI_VERSION_MINOR,
        Math::kName,
        Math::kVersion,
        Math::kDescription,
        kDevices,
        Math::kMetricNames,
        static_cast<uint32_t>(sizeof(Math::kMetricNames) / sizeof(Math::kMetricNames[0])),
        Math::kArgs,
        static_cast<uint32_t>(sizeof(Math::kArgs) / sizeof(Math::kArgs[0])),
        &create,
        &compute,
        &destroy,
        kSurrogateGradient<Math> ? RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT : 0,
    };
    return &kTable;
  }

 private:
#if defined(RLLOSS_WITH_CUDA)
  static constexpr uint64_t kDevices = RLLOSS_DEVICE_BIT(kDLCPU) | RLLOSS_DEVICE_BIT(kDLCUDA);
#else
  static constexpr uint64_t kDevices = RLLOSS_DEVICE_BIT(kDLCPU);
#endif
  static constexpr int64_t kNumMetrics =
      static_cast<int64_t>(sizeof(Math::kMetricNames) / sizeof(Math::kMetricNames[0]));

  static rlloss_status create(const rlloss_arg_value* values, uint32_t num_values,
                              rlloss_instance** out, rlloss_error_buffer* error) {
    if (out != nullptr) *out = nullptr;
    return guarded(error, [&] {
      if (out == nullptr) fail("create: `out` is NULL");
      const ResolvedArgs args = resolve_create_args(
          Math::kArgs, static_cast<uint32_t>(sizeof(Math::kArgs) / sizeof(Math::kArgs[0])), values,
          num_values);
      auto* instance = new Instance<Math>(args);
      *out = reinterpret_cast<rlloss_instance*>(instance);
      write_message(error, Math::warning(args).c_str());
    });
  }

  static void destroy(rlloss_instance* instance) {
    delete reinterpret_cast<Instance<Math>*>(instance);
  }

  static rlloss_status compute(const rlloss_instance* instance, const rlloss_compute_call* call,
                               rlloss_error_buffer* error) {
    return guarded(error, [&] {
      if (instance == nullptr) fail("compute: instance is NULL");
      if (call == nullptr) fail("compute: call is NULL");
      if (call->struct_size < kComputeCallMinSize) {
        fail("compute: call.struct_size " + std::to_string(call->struct_size) +
             " is smaller than the first ABI version's " + std::to_string(kComputeCallMinSize));
      }
      run(*reinterpret_cast<const Instance<Math>*>(instance), *call);
    });
  }

  static void run(const Instance<Math>& instance, const rlloss_compute_call& call) {
    const DLTensor* log_prob = call.log_prob;
    if (log_prob == nullptr) fail("log_prob is NULL");
    if (log_prob->ndim != 2) {
      fail("log_prob must have rank 2 [B, T], got rank " + std::to_string(log_prob->ndim));
    }
    if (log_prob->shape == nullptr) fail("log_prob has rank 2 but a NULL shape");
    const int64_t rows = log_prob->shape[0];
    const int64_t cols = log_prob->shape[1];
    if (rows < 0 || cols < 0) {
      fail("log_prob has shape [" + std::to_string(rows) + ", " + std::to_string(cols) +
           "]; a dimension cannot be negative");
    }
    if (cols > 0 && rows > INT64_MAX / cols) {
      fail("log_prob has shape [" + std::to_string(rows) + ", " + std::to_string(cols) +
           "]: more than 2^63 elements");
    }
    const DLDevice device = log_prob->device;

    CpuCall c;
    c.rows = rows;
    c.cols = cols;
    c.num_threads = call.num_threads;
    c.log_prob = view_matrix(log_prob, "log_prob", rows, cols, device);
    c.old_log_prob = view_matrix(call.old_log_prob, "old_log_prob", rows, cols, device);
    c.advantages = view_matrix(call.advantages, "advantages", rows, cols, device);
    c.response_mask = view_matrix(call.response_mask, "response_mask", rows, cols, device);
    c.has_is_weights = call.rollout_is_weights != nullptr;
    if (c.has_is_weights) {
      c.is_weights = view_matrix(call.rollout_is_weights, "rollout_is_weights", rows, cols, device);
    }
    c.grad = view_matrix(call.grad_log_prob, "grad_log_prob", rows, cols, device);
    check_vector_output(call.loss, "loss", 1, device);
    if (call.metrics != nullptr) check_vector_output(call.metrics, "metrics", kNumMetrics, device);

    const bool on_cuda = device.device_type == kDLCUDA;
    if (!on_cuda && device.device_type != kDLCPU && device.device_type != kDLCUDAHost) {
      fail_unsupported(std::string("plugin '") + Math::kName + "' cannot compute on " +
                       describe_device(device) + "; it serves " + served_devices());
    }
    const Dtype dtype = c.log_prob.dtype;
    const bool half_precision = dtype == Dtype::float16 || dtype == Dtype::bfloat16;
    if (dtype != Dtype::float32 && dtype != Dtype::float64 && !(on_cuda && half_precision)) {
      fail_unsupported(std::string("log_prob has dtype ") + dtype_name(dtype) + "; on " +
                       (on_cuda ? "cuda the inputs must be float32, float64, float16 or bfloat16"
                                : "cpu the inputs must be float32 or float64"));
    }
    require_input_dtype(c.old_log_prob, "old_log_prob", dtype);
    require_input_dtype(c.advantages, "advantages", dtype);
    if (c.has_is_weights) require_input_dtype(c.is_weights, "rollout_is_weights", dtype);
    if (c.grad.dtype != dtype) {
      fail(std::string("grad_log_prob has dtype ") + dtype_name(c.grad.dtype) +
           " but must have log_prob's dtype " + dtype_name(dtype));
    }
    require_distinct_elements(c.grad, "grad_log_prob", rows, cols);
    const Dtype mask_dtype = c.response_mask.dtype;
    if (mask_dtype != Dtype::byte && mask_dtype != Dtype::float32 && mask_dtype != Dtype::float64) {
      fail_unsupported(std::string("response_mask has dtype ") + dtype_name(mask_dtype) +
                       "; it must be bool, uint8, float32 or float64");
    }
    if (on_cuda) {
      run_cuda(instance, call, c);
    } else {
      run_cpu(instance, call, c);
    }
  }

  static std::string served_devices() {
    return kDevices & RLLOSS_DEVICE_BIT(kDLCUDA) ? "cpu and cuda"
                                                 : "only cpu (this build has no CUDA)";
  }

  static void run_cuda(const Instance<Math>& instance, const rlloss_compute_call& call,
                       const CpuCall& c) {
#if defined(RLLOSS_WITH_CUDA)
    // Counts that need the data are checked on the device (see cuda_fused_pass.cuh); the rest
    // of the normaliser rules are checked here, as on the CPU.
    const Normalisers normalisers =
        make_normalisers(instance.agg_mode, 0, 0, call.global_token_count, call.global_seq_count,
                         call.dp_size, instance.loss_scale_factor, c.cols);
    CudaCall g;
    g.log_prob = c.log_prob;
    g.old_log_prob = c.old_log_prob;
    g.advantages = c.advantages;
    g.response_mask = c.response_mask;
    g.is_weights = c.is_weights;
    g.grad = c.grad;
    g.has_is_weights = c.has_is_weights;
    g.rows = c.rows;
    g.cols = c.cols;
    g.agg_mode = instance.agg_mode;
    g.global_tokens = call.global_token_count;
    g.global_sequences = call.global_seq_count;
    g.dp_size = call.dp_size;
    g.loss_scale = normalisers.scale;
    g.loss = tensor_data(*call.loss);
    g.loss_dtype = dtype_of(call.loss->dtype);
    if (call.metrics != nullptr) {
      g.metrics = tensor_data(*call.metrics);
      g.metrics_dtype = dtype_of(call.metrics->dtype);
      g.metrics_stride = call.metrics->ndim == 1 && call.metrics->strides != nullptr
                             ? call.metrics->strides[0]
                             : 1;
    }
    g.device_id = call.log_prob->device.device_id;
    g.stream = call.stream;
    cuda::cuda_kernel(&instance, g);
#else
    (void)instance;
    (void)call;
    (void)c;
    fail_unsupported(std::string("plugin '") + Math::kName + "' cannot compute on " +
                     describe_device(call.log_prob->device) + "; it serves " + served_devices());
#endif
  }

  static void run_cpu(const Instance<Math>& instance, const rlloss_compute_call& call, CpuCall c) {
    const int64_t rows = c.rows;
    const int64_t cols = c.cols;
    std::vector<int64_t> lengths(static_cast<size_t>(rows));
    count_sequence_lengths(c.response_mask, rows, cols, lengths.data());
    int64_t tokens = 0;
    int64_t sequences = 0;
    for (const int64_t length : lengths) {
      tokens += length;
      sequences += length > 0;
    }
    const Normalisers normalisers =
        make_normalisers(instance.agg_mode, tokens, sequences, call.global_token_count,
                         call.global_seq_count, call.dp_size, instance.loss_scale_factor, cols);
    std::vector<double> weights(static_cast<size_t>(rows));
    for (int64_t b = 0; b < rows; ++b) {
      weights[b] = sequence_weight(instance.agg_mode, normalisers, lengths[b]);
    }
    c.row_weights = weights.data();

    std::vector<double> sums(1 + Math::kNumTerms, 0.0);
    static const CpuKernelFn kernel = select_cpu_kernel();
    kernel(&instance, c, sums.data());

    store_value(*call.loss, 0, sums[0]);
    if (call.metrics != nullptr) {
      double metrics[kNumMetrics > 0 ? kNumMetrics : 1] = {};
      Math::finalize(sums.data() + 1, static_cast<double>(tokens), metrics);
      for (int64_t i = 0; i < kNumMetrics; ++i) store_value(*call.metrics, i, metrics[i]);
    }
  }
};

}  // namespace rlloss::kit

// Exports the plugin's one entry symbol.
#define RLLOSS_DEFINE_PLUGIN(MATH)                                                             \
  extern "C" RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) { \
    (void)host_abi_major;                                                                      \
    return ::rlloss::kit::Plugin<MATH>::table();                                               \
  }
