// Validation of the DLPack tensors of a compute call, and the [B, T] views the kernels read.
#pragma once

#include <rlloss/plugin_api.h>

#include <cstdint>
#include <rlloss/kit/error.hpp>
#include <string>

namespace rlloss::kit {

enum class Dtype { float32, float64, bfloat16, float16, byte, unsupported };

// DLPack >= 0.8 has kDLBool = 6; older producers (and PyTorch < 1.13) send bool as uint8.
inline constexpr uint8_t kDLBoolCode = RLLOSS_DL_BOOL;

inline Dtype dtype_of(const DLDataType& t) {
  if (t.lanes != 1) return Dtype::unsupported;
  if (t.code == kDLFloat && t.bits == 32) return Dtype::float32;
  if (t.code == kDLFloat && t.bits == 64) return Dtype::float64;
  if (t.code == kDLFloat && t.bits == 16) return Dtype::float16;
  if (t.code == kDLBfloat && t.bits == 16) return Dtype::bfloat16;
  if ((t.code == kDLUInt || t.code == kDLBoolCode) && t.bits == 8) return Dtype::byte;
  return Dtype::unsupported;
}

inline std::string describe_dtype(const DLDataType& t) {
  const char* code = t.code == kDLFloat      ? "float"
                     : t.code == kDLBfloat   ? "bfloat"
                     : t.code == kDLUInt     ? "uint"
                     : t.code == kDLInt      ? "int"
                     : t.code == kDLBoolCode ? "bool"
                                             : "code";
  std::string text = code + std::to_string(t.bits);
  if (t.lanes != 1) text += "x" + std::to_string(t.lanes);
  return text;
}

inline const char* dtype_name(Dtype d) {
  switch (d) {
    case Dtype::float32: return "float32";
    case Dtype::float64: return "float64";
    case Dtype::bfloat16: return "bfloat16";
    case Dtype::float16: return "float16";
    case Dtype::byte: return "bool/uint8";
    default: return "unsupported";
  }
}

inline std::string describe_device(const DLDevice& d) {
  switch (d.device_type) {
    case kDLCPU: return "cpu";
    case kDLCUDA: return "cuda:" + std::to_string(d.device_id);
    case kDLCUDAHost: return "cuda_host";
    default: return "device type " + std::to_string(static_cast<int>(d.device_type));
  }
}

inline bool same_device(const DLDevice& a, const DLDevice& b) {
  return a.device_type == b.device_type && a.device_id == b.device_id;
}

// A validated [B, T] tensor: strides in elements.
struct MatrixView {
  char* data = nullptr;
  int64_t row_stride = 0;
  int64_t col_stride = 0;
  Dtype dtype = Dtype::unsupported;
};

inline int64_t element_size(Dtype d) {
  switch (d) {
    case Dtype::float64: return 8;
    case Dtype::float32: return 4;
    case Dtype::float16:
    case Dtype::bfloat16: return 2;
    default: return 1;
  }
}

inline char* tensor_data(const DLTensor& t) {
  return static_cast<char*>(t.data) + t.byte_offset;
}

// Checks rank, shape [rows, cols], a supported dtype, device, strides and data of `t`.
inline MatrixView view_matrix(const DLTensor* t, const char* name, int64_t rows, int64_t cols,
                              const DLDevice& device) {
  if (t == nullptr) fail(std::string(name) + " is NULL");
  if (t->ndim != 2) {
    fail(std::string(name) + " must have rank 2 [B, T], got rank " + std::to_string(t->ndim));
  }
  if (t->shape == nullptr) fail(std::string(name) + " has no shape");
  if (t->shape[0] != rows || t->shape[1] != cols) {
    fail(std::string(name) + " has shape [" + std::to_string(t->shape[0]) + ", " +
         std::to_string(t->shape[1]) + "], expected [" + std::to_string(rows) + ", " +
         std::to_string(cols) + "] like log_prob");
  }
  if (!same_device(t->device, device)) {
    fail(std::string(name) + " is on " + describe_device(t->device) + " but log_prob is on " +
         describe_device(device) + "; all tensors of a call must share one device");
  }
  MatrixView view;
  view.dtype = dtype_of(t->dtype);
  if (view.dtype == Dtype::unsupported) {
    fail(std::string(name) + " has unsupported dtype " + describe_dtype(t->dtype));
  }
  if (t->strides != nullptr) {
    view.row_stride = t->strides[0];
    view.col_stride = t->strides[1];
    if (view.row_stride < 0 || view.col_stride < 0) {
      fail(std::string(name) + " has negative strides [" + std::to_string(view.row_stride) + ", " +
           std::to_string(view.col_stride) + "]");
    }
  } else {
    view.row_stride = cols;
    view.col_stride = 1;
  }
  if (t->data == nullptr && rows > 0 && cols > 0) {
    // rows * cols may not fit in int64_t (a huge shape with no data behind it).
    const std::string count =
        rows > INT64_MAX / cols ? "more than 2^63" : std::to_string(rows * cols);
    fail(std::string(name) + " has NULL data but " + count + " elements");
  }
  view.data = tensor_data(*t);
  return view;
}

// An output [B, T] view must not map two elements to one address. One with no element has no
// address to share, whatever its strides (numpy gives a [0, T] array strides (0, 0)).
inline void require_distinct_elements(const MatrixView& v, const char* name, int64_t rows,
                                      int64_t cols) {
  if (rows == 0 || cols == 0) return;
  const bool row_major = (cols <= 1 || v.col_stride >= 1) &&
                         (rows <= 1 || v.row_stride >= (cols - 1) * v.col_stride + 1);
  const bool col_major = (rows <= 1 || v.row_stride >= 1) &&
                         (cols <= 1 || v.col_stride >= (rows - 1) * v.row_stride + 1);
  if (!row_major && !col_major) {
    fail(std::string(name) + " has overlapping strides [" + std::to_string(v.row_stride) + ", " +
         std::to_string(v.col_stride) + "]: an output must have one address per element");
  }
}

// Whether two [rows, cols] views (non-negative strides) may touch common memory: their spans from
// first to last byte intersect. Conservative: views interleaved in one buffer count as touching.
inline bool spans_overlap(const MatrixView& a, const MatrixView& b, int64_t rows, int64_t cols) {
  if (rows == 0 || cols == 0) return false;
  const auto span_end = [&](const MatrixView& v) {
    return v.data +
           ((rows - 1) * v.row_stride + (cols - 1) * v.col_stride + 1) * element_size(v.dtype);
  };
  return a.data < span_end(b) && b.data < span_end(a);
}

// Checks a scalar or 1-D output of `length` elements with a float32/float64 dtype.
inline Dtype check_vector_output(const DLTensor* t, const char* name, int64_t length,
                                 const DLDevice& device) {
  if (t == nullptr) fail(std::string(name) + " is NULL");
  const bool scalar_ok = length == 1 && t->ndim == 0;
  const bool vector_ok = t->ndim == 1 && t->shape != nullptr && t->shape[0] == length;
  if (!scalar_ok && !vector_ok) {
    fail(std::string(name) + " must have shape [" + std::to_string(length) + "]" +
         (length == 1 ? " or be 0-d" : ""));
  }
  if (!same_device(t->device, device)) {
    fail(std::string(name) + " is on " + describe_device(t->device) + " but log_prob is on " +
         describe_device(device));
  }
  const Dtype d = dtype_of(t->dtype);
  if (d != Dtype::float32 && d != Dtype::float64) {
    fail(std::string(name) + " must be float32 or float64, got " + describe_dtype(t->dtype));
  }
  if (t->data == nullptr) fail(std::string(name) + " has NULL data");
  if (t->ndim == 1 && length > 1 && t->strides != nullptr && t->strides[0] < 1) {
    fail(std::string(name) + " must have a positive stride");
  }
  return d;
}

}  // namespace rlloss::kit
