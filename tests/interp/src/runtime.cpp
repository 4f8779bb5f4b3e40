// The interpreted device's runtime (rlloss/interp/runtime.hpp and the stand-in <cuda_runtime.h>).
//
// Work queued on a stream runs when the host synchronises with it (cudaStreamSynchronize,
// cudaDeviceSynchronize, a synchronous copy or memset, destroying the stream), on the host thread
// that synchronises, under one device lock. A kernel's fault is reported there, as a GPU reports
// an execution error at the next synchronisation: cudaErrorLaunchFailure, with the interpreter's
// report as its error string. Unlike a GPU's, the error is not sticky: the stream's later kernels
// are dropped, its frees still run, and the device serves the next test.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "block_scheduler.hpp"

struct CUstream_st {
  struct Operation {
    bool kernel;  // dropped after a fault; frees are not
    std::function<std::string()> run;
  };
  std::deque<Operation> queue;
};

struct CUmemPoolHandle_st {
  int device;
};

namespace rlloss::interp {
namespace {

uint64_t seed_from_environment() {
  const char* text = std::getenv("RLLOSS_INTERP_SEED");
  if (text == nullptr || *text == '\0') return 1;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 0);
  if (end == nullptr || *end != '\0') {
    std::fprintf(stderr,
                 "rlloss interpreted device: RLLOSS_INTERP_SEED=%s is not a number; "
                 "using seed 1\n",
                 text);
    return 1;
  }
  return value;
}

class Device {
 public:
  std::mutex mutex;
  CUstream_st legacy_stream;
  std::set<CUstream_st*> streams;
  std::set<void*> allocations;
  std::vector<std::unique_ptr<CUmemPoolHandle_st>> pools;
  uint64_t seed = seed_from_environment();
  // Calls of each kind to let through before the injected failure; -1: none injected.
  int allocations_before_failure = -1;
  int launches_before_failure = -1;
  Statistics statistics;
  std::set<uint64_t> seeds_used;

  CUstream_st& stream(cudaStream_t s) { return s == nullptr ? legacy_stream : *s; }

  // Runs the stream's queue; returns the first fault's report.
  std::string drain(CUstream_st& s) {
    std::string fault;
    while (!s.queue.empty()) {
      CUstream_st::Operation op = std::move(s.queue.front());
      s.queue.pop_front();
      if (op.kernel && !fault.empty()) continue;
      std::string report = op.run();
      if (fault.empty()) fault = std::move(report);
    }
    return fault;
  }

  std::string drain_all() {
    std::string fault = drain(legacy_stream);
    for (CUstream_st* s : streams) {
      std::string report = drain(*s);
      if (fault.empty()) fault = std::move(report);
    }
    return fault;
  }
};

Device& device() {
  static Device* d = new Device();  // never destroyed: plugins may call it during exit
  return *d;
}

thread_local cudaError_t last_error = cudaSuccess;
thread_local std::string last_fault;

cudaError_t record(cudaError_t error) {
  if (error != cudaSuccess) last_error = error;
  return error;
}

// A kernel's fault surfaces here, at the synchronisation that ran it.
cudaError_t fault_status(const std::string& fault) {
  if (fault.empty()) return cudaSuccess;
  last_fault = "interpreted device: " + fault;
  std::fprintf(stderr, "rlloss %s\n", last_fault.c_str());
  return record(cudaErrorLaunchFailure);
}

// Counts a call against an injected failure: true for the one that fails.
bool injected_failure(int& before_failure) {
  if (before_failure < 0) return false;
  if (before_failure-- > 0) return false;
  return true;
}

bool valid_stream(Device& d, cudaStream_t s) {
  return s == nullptr || d.streams.count(s) > 0;
}

}  // namespace

cudaError_t enqueue_launch(cudaStream_t stream, const LaunchRequest& request,
                           std::function<void()> body) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!valid_stream(d, stream)) return record(cudaErrorInvalidResourceHandle);
  const dim3 g = request.grid;
  const dim3 b = request.block;
  const unsigned long long threads = 1ull * b.x * b.y * b.z;
  if (g.x == 0 || g.y == 0 || g.z == 0 || g.y > 65535 || g.z > 65535 || threads == 0 ||
      threads > 1024 || b.z > 64 || request.dynamic_shared_bytes > 48 * 1024) {
    return record(cudaErrorInvalidConfiguration);
  }
  if (injected_failure(d.launches_before_failure)) return record(cudaErrorLaunchFailure);
  const uint64_t seed = d.seed;
  d.stream(stream).queue.push_back(
      {true, [request, body = std::move(body), seed, &d]() -> std::string {
         GridCounts counts;
         std::string fault = run_grid(request, body, seed, &counts);
         d.statistics.blocks += counts.blocks;
         d.statistics.threads += counts.threads;
         if (fault.empty()) {
           d.statistics.launches += 1;
           d.seeds_used.insert(seed);
         }
         return fault;
       }});
  return cudaSuccess;
}

void set_schedule_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(device().mutex);
  device().seed = seed;
}

uint64_t schedule_seed() {
  std::lock_guard<std::mutex> lock(device().mutex);
  return device().seed;
}

void inject_fault(Fault fault, int after) {
  std::lock_guard<std::mutex> lock(device().mutex);
  (fault == Fault::allocation ? device().allocations_before_failure
                              : device().launches_before_failure) = after < 0 ? 0 : after;
}

void clear_faults() {
  std::lock_guard<std::mutex> lock(device().mutex);
  device().allocations_before_failure = -1;
  device().launches_before_failure = -1;
}

Statistics statistics() {
  std::lock_guard<std::mutex> lock(device().mutex);
  Statistics s = device().statistics;
  s.schedules = device().seeds_used.size();
  return s;
}

namespace api {

const char* error_name(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

const char* error_string(cudaError_t error) {
  switch (error) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInsufficientDriver: return "CUDA driver version is insufficient";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorLaunchFailure:
      return last_fault.empty() ? "unspecified launch failure" : last_fault.c_str();
  }
  return "unknown error";
}

cudaError_t get_last_error(bool clear) {
  const cudaError_t error = last_error;
  if (clear) last_error = cudaSuccess;
  return error;
}

cudaError_t device_count(int* count) {
  if (count == nullptr) return record(cudaErrorInvalidValue);
  *count = 1;
  return cudaSuccess;
}

cudaError_t get_device(int* d) {
  if (d == nullptr) return record(cudaErrorInvalidValue);
  *d = 0;
  return cudaSuccess;
}

cudaError_t set_device(int d) {
  return d == 0 ? cudaSuccess : record(cudaErrorInvalidDevice);
}

cudaError_t device_attribute(int* value, cudaDeviceAttr attribute, int d) {
  if (value == nullptr || d != 0) return record(cudaErrorInvalidValue);
  *value = attribute == cudaDevAttrClockRate ? 1000000 : 1;
  return cudaSuccess;
}

namespace {
cudaError_t allocate(Device& d, void** pointer, size_t bytes) {
  if (pointer == nullptr) return record(cudaErrorInvalidValue);
  *pointer = nullptr;
  // Exactly `bytes`: the sanitizers see a kernel that reads or writes past the end.
  *pointer = std::malloc(bytes > 0 ? bytes : 1);
  if (*pointer == nullptr) return record(cudaErrorMemoryAllocation);
  d.allocations.insert(*pointer);
  return cudaSuccess;
}

cudaError_t release(Device& d, void* pointer) {
  if (pointer == nullptr) return cudaSuccess;
  if (d.allocations.erase(pointer) == 0) return record(cudaErrorInvalidValue);
  std::free(pointer);
  return cudaSuccess;
}
}  // namespace

cudaError_t malloc_device(void** pointer, size_t bytes) {
  std::lock_guard<std::mutex> lock(device().mutex);
  return allocate(device(), pointer, bytes);
}

cudaError_t free_device(void* pointer) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  const cudaError_t fault = fault_status(d.drain_all());  // cudaFree synchronises
  const cudaError_t status = release(d, pointer);
  return fault != cudaSuccess ? fault : status;
}

cudaError_t memcpy_sync(void* destination, const void* source, size_t bytes) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  const cudaError_t fault = fault_status(d.drain_all());
  if (fault != cudaSuccess) return fault;
  if (bytes > 0 && (destination == nullptr || source == nullptr)) {
    return record(cudaErrorInvalidValue);
  }
  if (bytes > 0) std::memcpy(destination, source, bytes);
  return cudaSuccess;
}

cudaError_t memset_sync(void* destination, int value, size_t bytes) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  const cudaError_t fault = fault_status(d.drain_all());
  if (fault != cudaSuccess) return fault;
  if (bytes > 0 && destination == nullptr) return record(cudaErrorInvalidValue);
  if (bytes > 0) std::memset(destination, value, bytes);
  return cudaSuccess;
}

cudaError_t memset_async(void* destination, int value, size_t bytes, cudaStream_t stream) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!valid_stream(d, stream)) return record(cudaErrorInvalidResourceHandle);
  if (bytes > 0 && destination == nullptr) return record(cudaErrorInvalidValue);
  d.stream(stream).queue.push_back({true, [=]() -> std::string {
                                      if (bytes > 0) std::memset(destination, value, bytes);
                                      return {};
                                    }});
  return cudaSuccess;
}

cudaError_t pool_create(cudaMemPool_t* pool, const cudaMemPoolProps* props) {
  if (pool == nullptr || props == nullptr) return record(cudaErrorInvalidValue);
  if (props->location.type != cudaMemLocationTypeDevice || props->location.id != 0) {
    return record(cudaErrorInvalidDevice);
  }
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.pools.push_back(std::make_unique<CUmemPoolHandle_st>(CUmemPoolHandle_st{0}));
  *pool = d.pools.back().get();
  return cudaSuccess;
}

cudaError_t pool_set_release_threshold(cudaMemPool_t pool, const void* value) {
  return pool != nullptr && value != nullptr ? cudaSuccess : record(cudaErrorInvalidValue);
}

cudaError_t malloc_from_pool_async(void** pointer, size_t bytes, cudaMemPool_t pool,
                                   cudaStream_t stream) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (pool == nullptr || !valid_stream(d, stream)) return record(cudaErrorInvalidValue);
  if (injected_failure(d.allocations_before_failure)) {
    if (pointer != nullptr) *pointer = nullptr;
    return record(cudaErrorMemoryAllocation);
  }
  return allocate(d, pointer, bytes);
}

cudaError_t free_async(void* pointer, cudaStream_t stream) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!valid_stream(d, stream)) return record(cudaErrorInvalidResourceHandle);
  if (pointer != nullptr && d.allocations.count(pointer) == 0) {
    return record(cudaErrorInvalidValue);
  }
  d.stream(stream).queue.push_back({false, [pointer, &d]() -> std::string {
                                      release(d, pointer);
                                      return {};
                                    }});
  return cudaSuccess;
}

cudaError_t stream_create(cudaStream_t* stream, unsigned) {
  if (stream == nullptr) return record(cudaErrorInvalidValue);
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  *stream = new CUstream_st();
  d.streams.insert(*stream);
  return cudaSuccess;
}

cudaError_t stream_destroy(cudaStream_t stream) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (stream == nullptr || d.streams.count(stream) == 0) {
    return record(cudaErrorInvalidResourceHandle);
  }
  const cudaError_t fault = fault_status(d.drain(*stream));
  d.streams.erase(stream);
  delete stream;
  return fault;
}

cudaError_t stream_synchronize(cudaStream_t stream) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!valid_stream(d, stream)) return record(cudaErrorInvalidResourceHandle);
  return fault_status(d.drain(d.stream(stream)));
}

cudaError_t stream_query(cudaStream_t stream) {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  if (!valid_stream(d, stream)) return record(cudaErrorInvalidResourceHandle);
  return d.stream(stream).queue.empty() ? cudaSuccess : cudaErrorNotReady;
}

cudaError_t device_synchronize() {
  Device& d = device();
  std::lock_guard<std::mutex> lock(d.mutex);
  return fault_status(d.drain_all());
}

}  // namespace api
}  // namespace rlloss::interp
