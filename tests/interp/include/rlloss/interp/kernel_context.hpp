// What a kernel's own source sees on the interpreted device: threadIdx, blockIdx, blockDim and
// gridDim of the calling thread; __syncthreads(), warp shuffles and ballots, atomics, and
// __shared__ arrays. Each CUDA thread of a block is a fiber (block_scheduler.cpp); these functions
// are where a fiber yields to the scheduler, and where the checks happen that a GPU does not make:
// races and uninitialised reads in shared memory, barriers and warp operations that not every
// thread reaches. The source location of each call names the place in a report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace rlloss::interp {

struct SourcePlace {
  const char* file;
  int line;
};

// The calling thread's coordinates (valid only inside a kernel).
const uint3& thread_index();
const uint3& block_index();
const dim3& block_dim();
const dim3& grid_dim();

void sync_threads(SourcePlace place);

enum class WarpOp { shfl, shfl_up, shfl_down, shfl_xor, ballot, any, all, sync };

// One lane's part in a warp-wide operation: blocks until every named lane that has not exited
// arrives at the same operation, then returns this lane's result (as raw bits of `value`'s type).
uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int operand, int width,
                         SourcePlace place);

// Reports a fault of the kernel (a race, an out-of-bounds index) and stops the launch: the
// launch's stream reports it at its next synchronisation.
[[noreturn]] void kernel_fault(const char* what, SourcePlace place);

inline void sync_warp(SourcePlace place, unsigned mask = 0xffffffffu) {
  warp_collective(WarpOp::sync, mask, 0, 0, 32, place);
}

template <class V>
uint64_t to_bits(V value) {
  static_assert(sizeof(V) <= 8 && std::is_trivially_copyable_v<V>, "shuffles move up to 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof value);
  return bits;
}
template <class V>
V from_bits(uint64_t bits) {
  V value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

template <class V>
V shuffle(WarpOp op, unsigned mask, V value, int operand, int width, SourcePlace place) {
  return from_bits<V>(warp_collective(op, mask, to_bits(value), operand, width, place));
}

// ---- shared memory ------------------------------------------------------------------------

// Per element: who wrote it and who read it in the current barrier interval.
struct SharedShadow {
  uint32_t write_epoch = 0;  // 0: never written in this block
  uint32_t read_epoch = 0;
  int32_t writer = -1;
  int32_t reader = -1;  // the one reader of read_epoch, or -2 for several
};

struct SharedDeclaration {
  const void* site;  // unique per declaration (and per template instance)
  const char* name;
  SourcePlace place;
};

// The block's storage for one declaration: `count` elements of `element_size` bytes, filled with
// 0xFF bytes (a NaN in every float type) when the block starts.
void* shared_storage(const SharedDeclaration& declaration, size_t element_size, int64_t count,
                     SharedShadow** shadow);
void check_shared_read(const SharedDeclaration& declaration, SharedShadow& shadow, int64_t index,
                       size_t element_size);
void check_shared_write(const SharedDeclaration& declaration, SharedShadow& shadow, int64_t index,
                        size_t element_size);
[[noreturn]] void shared_out_of_bounds(const SharedDeclaration& declaration, int64_t index,
                                       int64_t count);

template <class T>
class SharedRef {
 public:
  SharedRef(const SharedDeclaration* declaration, T* element, SharedShadow* shadow, int64_t index)
      : declaration_(declaration), element_(element), shadow_(shadow), index_(index) {}
  operator T() const {
    check_shared_read(*declaration_, *shadow_, index_, sizeof(T));
    return *element_;
  }
  const SharedRef& operator=(T value) const {
    check_shared_write(*declaration_, *shadow_, index_, sizeof(T));
    *element_ = value;
    return *this;
  }
  const SharedRef& operator=(const SharedRef& other) const { return *this = static_cast<T>(other); }
  const SharedRef& operator+=(T value) const { return *this = static_cast<T>(*this) + value; }
  const SharedRef& operator-=(T value) const { return *this = static_cast<T>(*this) - value; }
  const SharedRef& operator*=(T value) const { return *this = static_cast<T>(*this) * value; }
  const SharedRef& operator|=(T value) const { return *this = static_cast<T>(*this) | value; }

 private:
  const SharedDeclaration* declaration_;
  T* element_;
  SharedShadow* shadow_;
  int64_t index_;
};

// A __shared__ array as the kernel indexes it: every element access is checked.
template <class T>
class SharedArray {
 public:
  SharedArray(const SharedDeclaration* declaration, int64_t count)
      : declaration_(declaration), count_(count) {
    data_ = static_cast<T*>(shared_storage(*declaration, sizeof(T), count, &shadow_));
  }
  SharedRef<T> operator[](int64_t index) const {
    if (index < 0 || index >= count_) shared_out_of_bounds(*declaration_, index, count_);
    return SharedRef<T>(declaration_, data_ + index, shadow_ + index, index);
  }

 private:
  const SharedDeclaration* declaration_;
  int64_t count_;
  T* data_ = nullptr;
  SharedShadow* shadow_ = nullptr;
};

// ---- atomics on global memory (a block's threads run on one host thread, but two streams may
// run on two) --------------------------------------------------------------------------------

template <class T>
T atomic_or(T* address, T value) {
  return __atomic_fetch_or(address, value, __ATOMIC_SEQ_CST);
}
template <class T>
T atomic_and(T* address, T value) {
  return __atomic_fetch_and(address, value, __ATOMIC_SEQ_CST);
}
template <class T>
T atomic_add(T* address, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    T expected = __atomic_load_n(address, __ATOMIC_SEQ_CST);
    T desired = expected + value;
    while (!__atomic_compare_exchange(address, &expected, &desired, false, __ATOMIC_SEQ_CST,
                                      __ATOMIC_SEQ_CST)) {
      desired = expected + value;
    }
    return expected;
  } else {
    return __atomic_fetch_add(address, value, __ATOMIC_SEQ_CST);
  }
}
template <class T>
T atomic_max(T* address, T value) {
  T expected = __atomic_load_n(address, __ATOMIC_SEQ_CST);
  while (expected < value && !__atomic_compare_exchange(address, &expected, &value, false,
                                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
  }
  return expected;
}

}  // namespace rlloss::interp

// ---- the names CUDA gives them ------------------------------------------------------------

#define threadIdx (::rlloss::interp::thread_index())
#define blockIdx (::rlloss::interp::block_index())
#define blockDim (::rlloss::interp::block_dim())
#define gridDim (::rlloss::interp::grid_dim())
#define warpSize 32

#define RLLOSS_INTERP_HERE (::rlloss::interp::SourcePlace{__FILE__, __LINE__})
#define __syncthreads() ::rlloss::interp::sync_threads(RLLOSS_INTERP_HERE)
#define __syncwarp(...) ::rlloss::interp::sync_warp(RLLOSS_INTERP_HERE, ##__VA_ARGS__)

// __shfl_*_sync(mask, value, lane_or_delta[, width]).
#define RLLOSS_INTERP_SHFL(op, mask, value, operand, width, ...) \
  ::rlloss::interp::shuffle(op, mask, value, operand, width, RLLOSS_INTERP_HERE)
#define __shfl_sync(...) RLLOSS_INTERP_SHFL(::rlloss::interp::WarpOp::shfl, __VA_ARGS__, 32, 0)
#define __shfl_up_sync(...) \
  RLLOSS_INTERP_SHFL(::rlloss::interp::WarpOp::shfl_up, __VA_ARGS__, 32, 0)
#define __shfl_down_sync(...) \
  RLLOSS_INTERP_SHFL(::rlloss::interp::WarpOp::shfl_down, __VA_ARGS__, 32, 0)
#define __shfl_xor_sync(...) \
  RLLOSS_INTERP_SHFL(::rlloss::interp::WarpOp::shfl_xor, __VA_ARGS__, 32, 0)
#define __ballot_sync(mask, predicate)                     \
  static_cast<unsigned>(::rlloss::interp::warp_collective( \
      ::rlloss::interp::WarpOp::ballot, mask, (predicate) ? 1 : 0, 0, 32, RLLOSS_INTERP_HERE))
#define __any_sync(mask, predicate)                   \
  static_cast<int>(::rlloss::interp::warp_collective( \
      ::rlloss::interp::WarpOp::any, mask, (predicate) ? 1 : 0, 0, 32, RLLOSS_INTERP_HERE))
#define __all_sync(mask, predicate)                   \
  static_cast<int>(::rlloss::interp::warp_collective( \
      ::rlloss::interp::WarpOp::all, mask, (predicate) ? 1 : 0, 0, 32, RLLOSS_INTERP_HERE))

// A __shared__ array, declared in a kernel as RLLOSS_SHARED_ARRAY(double, sums, 8) (see
// rlloss/kit/device_macros.hpp): one storage per block and declaration, whatever thread gets
// there first.
#define RLLOSS_INTERP_SHARED_ARRAY(T, name, count)                                                \
  static const char name##_declaration_site = 0;                                                  \
  static const ::rlloss::interp::SharedDeclaration name##_declaration{&name##_declaration_site,   \
                                                                      #name, RLLOSS_INTERP_HERE}; \
  const ::rlloss::interp::SharedArray<T> name(&name##_declaration, (count))

template <class T>
T atomicOr(T* address, T value) {
  return rlloss::interp::atomic_or(address, value);
}
template <class T>
T atomicAnd(T* address, T value) {
  return rlloss::interp::atomic_and(address, value);
}
template <class T>
T atomicAdd(T* address, T value) {
  return rlloss::interp::atomic_add(address, value);
}
template <class T>
T atomicMax(T* address, T value) {
  return rlloss::interp::atomic_max(address, value);
}

inline double __longlong_as_double(long long bits) {
  return rlloss::interp::from_bits<double>(static_cast<uint64_t>(bits));
}
inline long long __double_as_longlong(double value) {
  return static_cast<long long>(rlloss::interp::to_bits(value));
}
inline float __int_as_float(int bits) {
  return rlloss::interp::from_bits<float>(static_cast<uint32_t>(bits));
}
inline int __float_as_int(float value) {
  return static_cast<int>(rlloss::interp::to_bits(value));
}
