#include "device_tensor.hpp"

#include <stdexcept>
#include <string>

namespace rlloss::test {
namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
  }
}

}  // namespace

DLDataType dl_dtype(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return {kDLFloat, 32, 1};
    case torch::kFloat64: return {kDLFloat, 64, 1};
    case torch::kFloat16: return {kDLFloat, 16, 1};
    case torch::kBFloat16: return {kDLBfloat, 16, 1};
    case torch::kBool:
    case torch::kUInt8: return {kDLUInt, 8, 1};
    case torch::kInt32: return {kDLInt, 32, 1};
    default: throw std::runtime_error("no DLPack dtype for this test tensor");
  }
}

DeviceTensor::DeviceTensor(const torch::Tensor& cpu, int64_t col_step) : dtype_(cpu.scalar_type()) {
  const int64_t rows = cpu.size(0);
  const int64_t cols = cpu.size(1);
  torch::Tensor spread;
  if (cpu.is_floating_point()) {
    spread = torch::full({rows, cols * col_step}, std::nan(""), cpu.options());
  } else {
    spread = torch::zeros({rows, cols * col_step}, cpu.options());
  }
  spread.slice(1, 0, cols * col_step, col_step).copy_(cpu.detach());
  spread = spread.contiguous();
  bytes_ = static_cast<size_t>(spread.numel() * spread.element_size());
  check(cudaMalloc(&data_, bytes_ > 0 ? bytes_ : 1), "cudaMalloc");
  if (bytes_ > 0)
    check(cudaMemcpy(data_, spread.data_ptr(), bytes_, cudaMemcpyHostToDevice), "upload");
  shape_ = {rows, cols};
  strides_ = {cols * col_step, col_step};
  describe(dtype_);
}

DeviceTensor::DeviceTensor(std::vector<int64_t> shape, torch::ScalarType dtype)
    : dtype_(dtype), shape_(std::move(shape)) {
  int64_t count = 1;
  for (int64_t extent : shape_) count *= extent;
  bytes_ = static_cast<size_t>(count) * torch::elementSize(dtype);
  check(cudaMalloc(&data_, bytes_ > 0 ? bytes_ : 1), "cudaMalloc");
  if (bytes_ > 0) check(cudaMemset(data_, 0xFF, bytes_), "cudaMemset");
  strides_.assign(shape_.size(), 1);
  for (int i = static_cast<int>(shape_.size()) - 2; i >= 0; --i) {
    strides_[i] = strides_[i + 1] * shape_[i + 1];
  }
  describe(dtype);
}

std::unique_ptr<DeviceTensor> DeviceTensor::broadcast_rows(const torch::Tensor& column,
                                                           int64_t cols) {
  std::unique_ptr<DeviceTensor> t(new DeviceTensor());
  const torch::Tensor values = column.contiguous();
  t->dtype_ = values.scalar_type();
  t->bytes_ = static_cast<size_t>(values.numel() * values.element_size());
  check(cudaMalloc(&t->data_, t->bytes_ > 0 ? t->bytes_ : 1), "cudaMalloc");
  if (t->bytes_ > 0) {
    check(cudaMemcpy(t->data_, values.data_ptr(), t->bytes_, cudaMemcpyHostToDevice), "upload");
  }
  t->shape_ = {values.numel(), cols};
  t->strides_ = {1, 0};
  t->describe(t->dtype_);
  return t;
}

void DeviceTensor::describe(torch::ScalarType dtype) {
  int device = 0;
  cudaGetDevice(&device);
  dl_.data = data_;
  dl_.device = {kDLCUDA, device};
  dl_.ndim = static_cast<int>(shape_.size());
  dl_.dtype = dl_dtype(dtype);
  dl_.shape = shape_.data();
  dl_.strides = strides_.data();
  dl_.byte_offset = 0;
}

DeviceTensor::~DeviceTensor() {
  cudaFree(data_);
}

torch::Tensor DeviceTensor::to_cpu() const {
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  if (shape_.size() == 2 && strides_.size() == 2 && strides_[1] != 1) {
    auto spread = torch::empty({shape_[0], shape_[0] > 0 ? strides_[0] : 0},
                               torch::TensorOptions().dtype(dtype_));
    if (bytes_ > 0)
      check(cudaMemcpy(spread.data_ptr(), data_, bytes_, cudaMemcpyDeviceToHost), "download");
    return spread.slice(1, 0, shape_[1] * strides_[1], strides_[1]).contiguous();
  }
  auto out = torch::empty(shape_, torch::TensorOptions().dtype(dtype_));
  if (bytes_ > 0)
    check(cudaMemcpy(out.data_ptr(), data_, bytes_, cudaMemcpyDeviceToHost), "download");
  return out;
}

}  // namespace rlloss::test
