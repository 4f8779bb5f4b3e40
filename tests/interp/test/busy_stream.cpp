// tests/gpu/busy_stream.cu for the interpreted device: a kernel of one thread that keeps the
// stream's queue busy for `milliseconds` of wall time when the host synchronises with it.
#include "busy_stream.hpp"

#include <chrono>
#include <thread>

namespace rlloss::test {
namespace {

__global__ void sleep_kernel(double milliseconds) {
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(milliseconds));
}

}  // namespace

cudaError_t keep_stream_busy(cudaStream_t stream, double milliseconds) {
  return rlloss::interp::launch("sleep", sleep_kernel, dim3(1), dim3(1), 0, stream, milliseconds);
}

}  // namespace rlloss::test
