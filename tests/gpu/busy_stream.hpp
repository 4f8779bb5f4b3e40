// A kernel that keeps a stream busy, to prove a call returns before the stream's work is done.
#pragma once

#include <cuda_runtime.h>

namespace rlloss::test {

cudaError_t keep_stream_busy(cudaStream_t stream, double milliseconds);

}  // namespace rlloss::test
