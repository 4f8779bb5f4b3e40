// Fuzzes a plugin's C ABI compute with random tensor metadata and contents: rank, shape, strides,
// dtype codes, byte_offset, device, NULL pointers, counts, dp_size, struct_size. Every tensor the
// harness describes with a non-NULL data pointer lies inside one arena the harness owns (one that
// would not fit gets NULL data, which the plugin must refuse), so any sanitizer report is the
// plugin's. A non-OK status is fine.
#include <fuzzer/FuzzedDataProvider.h>
#include <rlloss/plugin_api.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

namespace {

constexpr size_t kArenaBytes = 1 << 14;

struct Instances {
  rlloss::Registry registry;
  std::vector<std::pair<const rlloss_plugin*, rlloss_instance*>> all;
};

// A default instance of each plugin, plus one per choice of every string argument.
Instances& instances() {
  static Instances* made = [] {
    auto* m = new Instances();  // lives for the whole run, as in a host
    for (const char* file : {RLLOSS_FUZZ_SAPO_PLUGIN, RLLOSS_FUZZ_PPO_CLIP_PLUGIN}) {
      const rlloss_plugin& table = m->registry.load_file(file)->table();
      rlloss_instance* instance = nullptr;
      if (table.create(nullptr, 0, &instance, nullptr) == RLLOSS_OK) {
        m->all.emplace_back(&table, instance);
      }
      for (uint32_t a = 0; a < table.num_args; ++a) {
        const rlloss_arg_spec& spec = table.args[a];
        for (uint32_t c = 0; spec.type == RLLOSS_ARG_STRING && c < spec.num_choices; ++c) {
          rlloss_arg_value value{sizeof(rlloss_arg_value), spec.name, RLLOSS_ARG_STRING, 0,
                                 spec.choices[c]};
          if (table.create(&value, 1, &instance, nullptr) == RLLOSS_OK) {
            m->all.emplace_back(&table, instance);
          }
        }
      }
    }
    if (m->all.empty()) std::abort();
    return m;
  }();
  return *made;
}

int64_t pick_extent(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 9)) {
    case 0: return in.ConsumeIntegral<int64_t>();
    case 1: return std::numeric_limits<int64_t>::max() / in.ConsumeIntegralInRange<int64_t>(1, 8);
    case 2: return -in.ConsumeIntegralInRange<int64_t>(0, 4);
    default: return in.ConsumeIntegralInRange<int64_t>(0, 9);
  }
}

DLDataType pick_dtype(FuzzedDataProvider& in) {
  static constexpr std::array<DLDataType, 9> kCommon = {{{kDLFloat, 32, 1},
                                                         {kDLFloat, 64, 1},
                                                         {kDLFloat, 16, 1},
                                                         {kDLBfloat, 16, 1},
                                                         {kDLUInt, 8, 1},
                                                         {6, 8, 1},
                                                         {kDLInt, 32, 1},
                                                         {kDLFloat, 32, 4},
                                                         {kDLInt, 64, 1}}};
  if (in.ConsumeIntegralInRange<int>(0, 7) != 0) {
    return kCommon[in.ConsumeIntegralInRange<size_t>(0, kCommon.size() - 1)];
  }
  return DLDataType{in.ConsumeIntegral<uint8_t>(), in.ConsumeIntegral<uint8_t>(),
                    in.ConsumeIntegral<uint16_t>()};
}

// One fuzzed tensor; its shape and strides arrays live here.
struct FuzzTensor {
  std::array<int64_t, 4> shape{};
  std::array<int64_t, 4> strides{};
  DLTensor dl{};
};

// Byte range [lo, hi) the tensor addresses from its data pointer, or false if unbounded.
bool byte_range(const DLTensor& t, __int128* lo, __int128* hi) {
  // At least one byte, so a zero-bit dtype still counts as addressing its data.
  const __int128 element =
      std::max<__int128>(1, (static_cast<__int128>(t.dtype.bits) * t.dtype.lanes + 7) / 8);
  __int128 low = t.byte_offset;
  __int128 high = t.byte_offset;
  const __int128 limit = __int128{1} << 80;
  __int128 contiguous = 1;
  for (int d = t.ndim - 1; d >= 0; --d) {
    if (t.shape[d] <= 0) {
      *lo = *hi = t.byte_offset;  // no elements: nothing is addressed
      return true;
    }
    // Each factor is below 2^80 and each partial product is checked before the next multiply.
    const __int128 stride = t.strides != nullptr ? t.strides[d] : contiguous;
    const __int128 steps = static_cast<__int128>(t.shape[d]) - 1;
    const __int128 magnitude = stride < 0 ? -stride : stride;
    if (steps > 0 && magnitude > limit / steps) return false;
    const __int128 element_span = steps * stride;
    if (element_span > limit / element || element_span < -limit / element) return false;
    const __int128 span = element_span * element;
    (span < 0 ? low : high) += span;
    if (t.shape[d] > limit / contiguous) return false;
    contiguous *= t.shape[d];
  }
  *lo = low;
  *hi = high + element;
  return true;
}

// rank_hint 2: a [rows, cols] tensor; 1: a vector of `length` elements (loss, metrics).
void make_tensor(FuzzedDataProvider& in, FuzzTensor& t, int64_t rows, int64_t cols, int rank_hint,
                 int64_t length, char* arena) {
  t.dl = DLTensor{};
  const bool conforming = in.ConsumeIntegralInRange<int>(0, 3) != 0;
  t.dl.ndim = conforming ? rank_hint : in.ConsumeIntegralInRange<int32_t>(0, 4);
  for (int d = 0; d < t.dl.ndim; ++d) {
    t.shape[d] = conforming && rank_hint == 2 ? (d == 0 ? rows : cols) : pick_extent(in);
    t.strides[d] = in.ConsumeIntegralInRange<int64_t>(-3, 24);
  }
  if (conforming && rank_hint == 1) t.shape[0] = length;
  t.dl.shape = in.ConsumeIntegralInRange<int>(0, 31) == 0 ? nullptr : t.shape.data();
  t.dl.strides = in.ConsumeBool() ? nullptr : t.strides.data();
  t.dl.dtype = pick_dtype(in);
  t.dl.device = in.ConsumeIntegralInRange<int>(0, 15) == 0
                    ? DLDevice{static_cast<DLDeviceType>(in.ConsumeIntegralInRange<int>(1, 16)),
                               in.ConsumeIntegralInRange<int32_t>(-1, 2)}
                    : DLDevice{kDLCPU, 0};
  t.dl.byte_offset = in.ConsumeIntegralInRange<uint64_t>(0, 64);
  const uint64_t start = in.ConsumeIntegralInRange<uint64_t>(0, kArenaBytes);
  t.dl.data = in.ConsumeIntegralInRange<int>(0, 31) == 0 ? nullptr : arena + start;
  // Keep every addressed byte inside the arena; otherwise describe no memory at all.
  __int128 lo = 0;
  __int128 hi = 0;
  if (t.dl.data != nullptr && t.dl.shape != nullptr &&
      (!byte_range(t.dl, &lo, &hi) || static_cast<__int128>(start) + lo < 0 ||
       static_cast<__int128>(start) + hi > static_cast<__int128>(kArenaBytes))) {
    t.dl.data = nullptr;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  instances();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const auto& all = instances().all;
  const auto& [table, instance] = all[in.ConsumeIntegralInRange<size_t>(0, all.size() - 1)];

  const int64_t rows = in.ConsumeIntegralInRange<int64_t>(0, 6);
  const int64_t cols = in.ConsumeIntegralInRange<int64_t>(0, 9);
  auto arena = std::make_unique<char[]>(kArenaBytes);
  std::array<FuzzTensor, 8> t;
  for (size_t i = 0; i < t.size(); ++i) {
    const bool vector = i == 5 || i == 7;  // loss, metrics
    const int64_t length = i == 7 ? table->num_metrics : 1;
    make_tensor(in, t[i], rows, cols, vector ? 1 : 2, length, arena.get());
  }
  const std::vector<uint8_t> contents = in.ConsumeBytes<uint8_t>(kArenaBytes);
  if (!contents.empty()) std::memcpy(arena.get(), contents.data(), contents.size());

  rlloss_compute_call call{};
  call.struct_size = in.ConsumeIntegralInRange<int>(0, 15) == 0 ? in.ConsumeIntegral<uint32_t>()
                                                                : sizeof(rlloss_compute_call);
  auto maybe = [&](FuzzTensor& tensor) {
    return in.ConsumeIntegralInRange<int>(0, 15) == 0 ? nullptr : &tensor.dl;
  };
  call.log_prob = maybe(t[0]);
  call.old_log_prob = maybe(t[1]);
  call.advantages = maybe(t[2]);
  call.response_mask = maybe(t[3]);
  call.rollout_is_weights = in.ConsumeBool() ? nullptr : &t[4].dl;
  call.loss = maybe(t[5]);
  call.grad_log_prob = maybe(t[6]);
  call.metrics = in.ConsumeBool() ? nullptr : &t[7].dl;
  constexpr std::array<int64_t, 6> kCounts = {-1, -1, 0, 1, 7, -2};
  call.global_token_count = in.ConsumeBool() ? in.ConsumeIntegral<int64_t>()
                                             : kCounts[in.ConsumeIntegralInRange<size_t>(0, 5)];
  call.global_seq_count = in.ConsumeBool() ? in.ConsumeIntegral<int64_t>()
                                           : kCounts[in.ConsumeIntegralInRange<size_t>(0, 5)];
  call.dp_size = in.ConsumeBool() ? 1 : in.ConsumeIntegral<int64_t>();
  call.num_threads = in.ConsumeIntegralInRange<int32_t>(-2, 3);
  call.stream = nullptr;

  char message[256];
  rlloss_error_buffer error{sizeof(rlloss_error_buffer), message, sizeof message};
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) error.capacity = in.ConsumeIntegralInRange(0, 3);
  table->compute(instance, &call, in.ConsumeIntegralInRange<int>(0, 15) == 0 ? nullptr : &error);
  return 0;
}
