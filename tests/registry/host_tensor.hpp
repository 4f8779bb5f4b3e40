// A DLPack view of host memory owned by a std::vector, for compute calls without LibTorch.
#pragma once

#include <rlloss/plugin_api.h>

#include <cstdint>
#include <type_traits>
#include <vector>

namespace rlloss::test {

template <class T>
class HostTensor {
 public:
  HostTensor(std::vector<T> values, std::vector<int64_t> shape)
      : values_(std::move(values)), shape_(std::move(shape)) {}
  HostTensor(const HostTensor&) = delete;
  HostTensor& operator=(const HostTensor&) = delete;

  // A C-contiguous DLTensor over the values; valid while this object lives and is not resized.
  DLTensor* dl() {
    tensor_ = DLTensor{};
    tensor_.data = values_.data();
    tensor_.device = {kDLCPU, 0};
    tensor_.ndim = static_cast<int32_t>(shape_.size());
    tensor_.dtype = dtype();
    tensor_.shape = shape_.data();
    tensor_.strides = nullptr;
    return &tensor_;
  }

  const std::vector<T>& values() const { return values_; }

 private:
  static DLDataType dtype() {
    if constexpr (std::is_same_v<T, float>) return {kDLFloat, 32, 1};
    if constexpr (std::is_same_v<T, double>) return {kDLFloat, 64, 1};
    return {kDLUInt, 8, 1};
  }

  std::vector<T> values_;
  std::vector<int64_t> shape_;
  DLTensor tensor_{};
};

}  // namespace rlloss::test
