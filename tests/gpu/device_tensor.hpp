// Device copies of CPU LibTorch tensors described as DLPack tensors, for the GPU tests and bench.
#pragma once

#include <cuda_runtime.h>
#include <dlpack/dlpack.h>
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace rlloss::test {

// Owns device memory; `dl` describes a [rows, cols] view with column step `col_step` (1: dense),
// so strided views are exercised; the gaps between elements hold NaN.
class DeviceTensor {
 public:
  DeviceTensor(const torch::Tensor& cpu, int64_t col_step = 1);
  // An uninitialised device tensor of `shape` (empty: 0-d) filled with 0xFF bytes (NaN floats).
  DeviceTensor(std::vector<int64_t> shape, torch::ScalarType dtype);
  // A [rows, cols] view of one value per row (column stride 0), as advantages broadcast from
  // [rows, 1] arrive; `column` holds the rows' values.
  static std::unique_ptr<DeviceTensor> broadcast_rows(const torch::Tensor& column, int64_t cols);
  ~DeviceTensor();
  DeviceTensor(const DeviceTensor&) = delete;
  DeviceTensor& operator=(const DeviceTensor&) = delete;

  DLTensor* dl() { return &dl_; }
  // Copies back to a dense CPU tensor (synchronises the device).
  torch::Tensor to_cpu() const;

 private:
  DeviceTensor() = default;
  void describe(torch::ScalarType dtype);

  void* data_ = nullptr;
  size_t bytes_ = 0;
  torch::ScalarType dtype_ = torch::kFloat64;
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
  DLTensor dl_{};
};

DLDataType dl_dtype(torch::ScalarType dtype);

}  // namespace rlloss::test
