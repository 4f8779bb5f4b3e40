#include "busy_stream.hpp"

namespace rlloss::test {
namespace {

__global__ void spin_kernel(long long cycles) {
  const long long start = clock64();
  while (clock64() - start < cycles) {
  }
}

}  // namespace

cudaError_t keep_stream_busy(cudaStream_t stream, double milliseconds) {
  int device = 0;
  int clock_khz = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device);
  const auto cycles = static_cast<long long>(milliseconds * (clock_khz > 0 ? clock_khz : 2000000));
  spin_kernel<<<1, 1, 0, stream>>>(cycles);
  return cudaGetLastError();
}

}  // namespace rlloss::test
