// A loss plugin's C ABI table around a Math type: create/compute/destroy, the validation of a
// compute call, and the hand-off to the device driver on the CPU or CUDA backend. A plugin supplies
// only its per-token math and argument declarations (see plugins/sapo/sapo_math.hpp for the
// contract) and writes
//   RLLOSS_DEFINE_PLUGIN(MyMath)
// in one source file, plus one kernel source with RLLOSS_DEFINE_CPU_KERNEL(MyMath).
#pragma once

#include <rlloss/plugin_api.h>

#include <algorithm>
#include <cstddef>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/cpu_backend.hpp>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/device_driver.hpp>
#include <rlloss/kit/device_macros.hpp>
#include <rlloss/kit/error.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/math_contract.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/tensors.hpp>
#include <rlloss/kit/validated_call.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace rlloss::kit {

inline constexpr size_t kComputeCallMinSize = RLLOSS_COMPUTE_CALL_STRUCT_SIZE_1_0;

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
        kMetricNames<Math>.data(),
        static_cast<uint32_t>(kMetricNames<Math>.size()),
        Schema::kSpecs.data(),
        static_cast<uint32_t>(Schema::kSpecs.size()),
        &create,
        &compute,
        &destroy,
        kSurrogateGradient<Math> ? RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT : 0,
    };
    return &kTable;
  }

 private:
  static_assert(check_math<Math>());
  using Schema = ArgSchema<Math>;
#if defined(RLLOSS_WITH_CUDA)
  static constexpr uint64_t kDevices = RLLOSS_DEVICE_BIT(kDLCPU) | RLLOSS_DEVICE_BIT(kDLCUDA);
#else
  static constexpr uint64_t kDevices = RLLOSS_DEVICE_BIT(kDLCPU);
#endif

  static rlloss_status create(const rlloss_arg_value* values, uint32_t num_values,
                              rlloss_instance** out, rlloss_error_buffer* error) {
    if (out != nullptr) *out = nullptr;
    return guarded(error, [&] {
      if (out == nullptr) fail("create: `out` is NULL");
      std::vector<contract::ArgSlot> slots =
          contract::declared_slots(Schema::kSpecs.data(), Schema::kSpecs.size());
      std::string problem = contract::read_arg_values(slots, values, num_values);
      if (problem.empty()) problem = contract::apply_defaults(slots);
      if (!problem.empty()) fail(problem);
      const typename Math::Args args = Schema::own_args(slots);
      auto* instance = new Instance<Math>(args, Schema::aggregation_args(slots));
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
    const DeviceCall c =
        validated_call(call, Math::kName, static_cast<int64_t>(kNumMetrics<Math>),
                       served_devices().c_str(), instance.agg_mode, instance.loss_scale_factor);
    if (c.device.device_type == kDLCUDA) {
      run_cuda(instance, c);
    } else {
      CpuBackend backend(static_cast<int64_t>(kNumMetrics<Math>));
      run_stages(instance, c, backend);
    }
  }

  static std::string served_devices() {
    return kDevices & RLLOSS_DEVICE_BIT(kDLCUDA) ? "cpu and cuda"
                                                 : "only cpu (this build has no CUDA)";
  }

  static void run_cuda(const Instance<Math>& instance, const DeviceCall& c) {
#if defined(RLLOSS_WITH_CUDA)
    // Checks that need the data run on the device (see cuda_fused_pass.cuh).
    cuda::cuda_kernel(&instance, c);
#else
    (void)instance;
    fail_unsupported(std::string("plugin '") + Math::kName + "' cannot compute on " +
                     describe_device(c.device) + "; it serves " + served_devices());
#endif
  }
};

}  // namespace rlloss::kit

// Exports the plugin's one entry symbol.
#define RLLOSS_DEFINE_PLUGIN(MATH)                                                             \
  extern "C" RLLOSS_EXPORT const rlloss_plugin* rlloss_plugin_entry(uint32_t host_abi_major) { \
    (void)host_abi_major;                                                                      \
    return ::rlloss::kit::Plugin<MATH>::table();                                               \
  }
