#include "block_scheduler.hpp"

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "address_sanitizer.hpp"
#include "stack_pool.hpp"

namespace rlloss::interp {
namespace {

namespace context = boost::context;

// AddressSanitizer must be told of every switch between stacks (Boost.Context's fcontext fibers
// do not tell it). Every switch is the scheduler resuming a thread or a thread yielding back, so
// both sides are annotated here; without ASan these do nothing.
void start_switch(void** fake_stack_save, const void* bottom, size_t size) {
#if defined(RLLOSS_INTERP_ASAN)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
  (void)fake_stack_save, (void)bottom, (void)size;
#endif
}

void finish_switch(void* fake_stack_save, const void** bottom_old, size_t* size_old) {
#if defined(RLLOSS_INTERP_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#else
  (void)fake_stack_save, (void)bottom_old, (void)size_old;
#endif
}

// Thrown inside a thread's fiber to end it: from a fault, or when the block is torn down after
// one. Caught where the fiber starts, so every fiber ends by returning.
struct BlockAborted {};

#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kStackBytes = 512 * 1024;  // ASan's frames are several times larger
#else
constexpr std::size_t kStackBytes = 128 * 1024;
#endif
constexpr int kWarpSize = 32;

enum class ThreadState { runnable, at_barrier, at_warp_op, done };

class BlockRun;
struct CudaThread;

// A fiber that runs CUDA threads, one after another: a block's threads are given the workers of
// the host thread's pool, so fibers (and ASan's fake stacks, which made each new fiber cost
// milliseconds) are made once per host thread, not once per CUDA thread of every block.
struct Worker {
  context::fiber fiber;          // its own context while suspended
  context::fiber scheduler;      // the scheduler's context while it runs
  context::stack_context stack;  // its fiber's stack
  void* fake_stack = nullptr;    // ASan's fake stack while it is switched out
  // The scheduler's own stack, for the annotations of switches back to it.
  const void* scheduler_bottom = nullptr;
  size_t scheduler_size = 0;
  BlockRun* block = nullptr;  // what it runs next, set before each resume that starts a thread
  CudaThread* thread = nullptr;
};

struct CudaThread {
  uint3 index{};
  int linear = 0;
  ThreadState state = ThreadState::runnable;
  bool started = false;
  SourcePlace waiting_at{nullptr, 0};
  SourcePlace last_sync{nullptr, 0};  // the last barrier or warp operation it passed
  Worker* worker = nullptr;
  uint64_t warp_result = 0;
};

void run_thread_of(Worker& worker);
void yield_to_scheduler(Worker& worker);

// The workers of one host thread; never destroyed, so no suspended fiber is ever unwound by
// Boost at exit (every pool stays reachable from `all_pools` for LeakSanitizer).
class WorkerPool {
 public:
  static WorkerPool& of_this_thread() {
    thread_local WorkerPool* pool = [] {
      static std::mutex mutex;
      static std::vector<WorkerPool*>* all_pools = new std::vector<WorkerPool*>();
      auto* created = new WorkerPool();
      std::lock_guard<std::mutex> lock(mutex);
      all_pools->push_back(created);
      return created;
    }();
    return *pool;
  }

  Worker& worker(size_t i) {
    while (workers_.size() <= i) {
      auto worker = std::make_unique<Worker>();
      Worker* w = worker.get();
      w->fiber = context::fiber(std::allocator_arg, PooledStack{&stacks_, &w->stack},
                                [w](context::fiber&& scheduler) {
                                  finish_switch(nullptr, &w->scheduler_bottom, &w->scheduler_size);
                                  w->scheduler = std::move(scheduler);
                                  for (;;) run_thread_of(*w);
                                  return std::move(w->scheduler);
                                });
      workers_.push_back(std::move(worker));
    }
    return *workers_[i];
  }

 private:
  StackPool stacks_{kStackBytes};
  std::vector<std::unique_ptr<Worker>> workers_;
};

struct PendingWarpOp {
  bool active = false;
  WarpOp op = WarpOp::sync;
  unsigned mask = 0;
  int width = kWarpSize;
  SourcePlace place{nullptr, 0};
  unsigned arrived = 0;
  uint64_t values[kWarpSize] = {};
  int operands[kWarpSize] = {};
};

struct SharedAllocation {
  SharedDeclaration declaration;
  size_t element_size = 0;
  int64_t count = 0;
  std::unique_ptr<unsigned char[]> bytes;
  std::unique_ptr<SharedShadow[]> shadow;
};

const char* op_name(WarpOp op) {
  switch (op) {
    case WarpOp::shfl: return "__shfl_sync";
    case WarpOp::shfl_up: return "__shfl_up_sync";
    case WarpOp::shfl_down: return "__shfl_down_sync";
    case WarpOp::shfl_xor: return "__shfl_xor_sync";
    case WarpOp::ballot: return "__ballot_sync";
    case WarpOp::any: return "__any_sync";
    case WarpOp::all: return "__all_sync";
    case WarpOp::sync: return "__syncwarp";
  }
  return "?";
}

std::string where(SourcePlace place) {
  if (place.file == nullptr) return "the kernel's start";
  std::string file = place.file;
  const size_t slash = file.find_last_of('/');
  if (slash != std::string::npos) file = file.substr(slash + 1);
  return file + ":" + std::to_string(place.line);
}

std::string coordinates(const uint3& i) {
  return "(" + std::to_string(i.x) + "," + std::to_string(i.y) + "," + std::to_string(i.z) + ")";
}

thread_local BlockRun* current_block = nullptr;
thread_local CudaThread* current_thread = nullptr;

class BlockRun {
 public:
  BlockRun(const LaunchRequest& request, uint3 block, const std::function<void()>& body,
           uint64_t seed)
      : request_(request), block_(block), body_(body) {
    std::seed_seq seeds{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), block.x,
                        block.y, block.z};
    rng_.seed(seeds);
    const dim3 d = request.block;
    threads_.resize(static_cast<size_t>(d.x) * d.y * d.z);
    for (size_t i = 0; i < threads_.size(); ++i) {
      CudaThread& t = threads_[i];
      t.linear = static_cast<int>(i);
      t.index = {static_cast<unsigned>(i % d.x), static_cast<unsigned>(i / d.x % d.y),
                 static_cast<unsigned>(i / (static_cast<size_t>(d.x) * d.y))};
    }
    warps_.resize((threads_.size() + kWarpSize - 1) / kWarpSize);
  }

  std::string run() {
    WorkerPool& pool = WorkerPool::of_this_thread();
    for (CudaThread& t : threads_) {
      t.worker = &pool.worker(static_cast<size_t>(t.linear));
      runnable_.push_back(t.linear);
    }
    while (fault_.empty()) {
      if (runnable_.empty()) {
        if (!release_or_report()) break;
        continue;
      }
      const size_t pick = static_cast<size_t>(rng_() % runnable_.size());
      const int id = runnable_[pick];
      runnable_[pick] = runnable_.back();
      runnable_.pop_back();
      resume(threads_[id]);
    }
    // After a fault, every thread still suspended is resumed once to end: suspend() throws
    // BlockAborted into it, so its stack unwinds back to its worker's loop.
    aborting_ = true;
    for (CudaThread& t : threads_) {
      if (!t.started) t.state = ThreadState::done;
      if (t.state != ThreadState::done) resume(t);
    }
    return fault_;
  }

  // Runs on the worker's fiber: the kernel for its thread, to the end or to a fault.
  void run_thread(CudaThread& t) {
    if (!aborting_) {
      try {
        body_();
      } catch (const BlockAborted&) {
      }
    }
    t.state = ThreadState::done;
  }

  bool aborting() const { return aborting_; }

  const LaunchRequest& request() const { return request_; }
  const uint3& block() const { return block_; }
  uint32_t epoch() const { return epoch_; }

  void barrier(SourcePlace place) {
    CudaThread& t = *current_thread;
    t.state = ThreadState::at_barrier;
    t.waiting_at = place;
    suspend();
    t.last_sync = place;
  }

  uint64_t warp_op(WarpOp op, unsigned mask, uint64_t value, int operand, int width,
                   SourcePlace place) {
    CudaThread& t = *current_thread;
    const int lane = t.linear % kWarpSize;
    PendingWarpOp& w = warps_[static_cast<size_t>(t.linear / kWarpSize)];
    if (!(mask >> lane & 1u)) {
      fault("warp operation without its own lane", place,
            op_name(op) + std::string(" with mask ") + hex(mask) + " does not name lane " +
                std::to_string(lane) + " that calls it");
    }
    if (width < 1 || width > kWarpSize || (width & (width - 1)) != 0) {
      fault("bad warp operation", place,
            op_name(op) + std::string(" with width ") + std::to_string(width) +
                ": must be a power of two up to 32");
    }
    if (w.active && (w.op != op || w.mask != mask || w.width != width ||
                     w.place.file != place.file || w.place.line != place.line)) {
      fault("divergent warp operation", place,
            std::string(op_name(op)) + " with mask " + hex(mask) + " while lanes " +
                lanes(w.arrived) + " wait at " + op_name(w.op) + " with mask " + hex(w.mask) +
                " at " + where(w.place));
    }
    if (!w.active) {
      w.active = true;
      w.op = op;
      w.mask = mask;
      w.width = width;
      w.place = place;
      w.arrived = 0;
    }
    w.arrived |= 1u << lane;
    w.values[lane] = value;
    w.operands[lane] = operand;
    if (all_named_lanes_arrived(w, t.linear / kWarpSize)) {
      complete(w, t.linear / kWarpSize, /*caller=*/t.linear);
    } else {
      t.state = ThreadState::at_warp_op;
      t.waiting_at = place;
      suspend();
    }
    t.last_sync = place;
    return t.warp_result;
  }

  // Records the first fault, naming `named`, and stops the calling thread's fiber for good.
  [[noreturn]] void fault(const std::string& kind, SourcePlace place, const std::string& detail) {
    record_fault(kind, place, detail, *current_thread);
    throw BlockAborted{};
  }

  void* shared(const SharedDeclaration& declaration, size_t element_size, int64_t count,
               SharedShadow** shadow) {
    auto found = shared_.find(declaration.site);
    if (found == shared_.end()) {
      SharedAllocation a;
      a.declaration = declaration;
      a.element_size = element_size;
      a.count = count;
      const size_t bytes = element_size * static_cast<size_t>(count > 0 ? count : 0);
      a.bytes.reset(new unsigned char[bytes > 0 ? bytes : 1]);
      std::fill(a.bytes.get(), a.bytes.get() + bytes, static_cast<unsigned char>(0xFF));
      a.shadow.reset(new SharedShadow[static_cast<size_t>(count > 0 ? count : 1)]);
      found = shared_.emplace(declaration.site, std::move(a)).first;
    } else if (found->second.element_size != element_size || found->second.count != count) {
      fault("inconsistent shared declaration", declaration.place,
            "'" + std::string(declaration.name) + "' declared with " + std::to_string(count) +
                " elements where another thread declared " + std::to_string(found->second.count));
    }
    *shadow = found->second.shadow.get();
    return found->second.bytes.get();
  }

  std::string thread_name(int linear) const { return coordinates(threads_[linear].index); }

  // A fault found in an access that carries no source place (a shared-memory element): located
  // by the calling thread's last barrier or warp operation.
  [[noreturn]] void fault_since_last_sync(const std::string& kind, const std::string& detail) {
    const CudaThread& t = *current_thread;
    record_fault_at(
        kind,
        t.last_sync.file == nullptr
            ? std::string("before its first barrier or warp operation")
            : "in the code after its barrier or warp operation at " + where(t.last_sync),
        detail, t);
    throw BlockAborted{};
  }

 private:
  static std::string hex(unsigned value) {
    std::ostringstream out;
    out << "0x" << std::hex << value;
    return out.str();
  }

  static std::string lanes(unsigned bits) {
    std::string out;
    for (int lane = 0; lane < kWarpSize; ++lane) {
      if (!(bits >> lane & 1u)) continue;
      int end = lane;
      while (end + 1 < kWarpSize && (bits >> (end + 1) & 1u)) ++end;
      if (!out.empty()) out += ",";
      out += std::to_string(lane);
      if (end > lane) out += "-" + std::to_string(end);
      lane = end;
    }
    return "{" + out + "}";
  }

  // A named lane counts as arrived once it has arrived or exited (CUDA asks the non-exited
  // threads named in the mask to take part); lanes past the block's last thread have exited.
  bool all_named_lanes_arrived(const PendingWarpOp& w, int warp) const {
    for (int lane = 0; lane < kWarpSize; ++lane) {
      if (!(w.mask >> lane & 1u) || (w.arrived >> lane & 1u)) continue;
      const size_t id = static_cast<size_t>(warp * kWarpSize + lane);
      if (id < threads_.size() && threads_[id].state != ThreadState::done) return false;
    }
    return true;
  }

  // Every arrived lane gets its result; those that waited become runnable.
  void complete(PendingWarpOp& w, int warp, int caller) {
    uint64_t results[kWarpSize] = {};
    unsigned votes = 0;
    for (int lane = 0; lane < kWarpSize; ++lane) {
      if ((w.arrived >> lane & 1u) && w.values[lane] != 0) votes |= 1u << lane;
    }
    for (int lane = 0; lane < kWarpSize; ++lane) {
      if (!(w.arrived >> lane & 1u)) continue;
      const int segment = lane & ~(w.width - 1);
      const int position = lane - segment;
      int source = lane;
      switch (w.op) {
        case WarpOp::shfl: source = segment + (w.operands[lane] & (w.width - 1)); break;
        case WarpOp::shfl_up:
          source = position >= w.operands[lane] ? lane - w.operands[lane] : lane;
          break;
        case WarpOp::shfl_down:
          source = position + w.operands[lane] < w.width ? lane + w.operands[lane] : lane;
          break;
        case WarpOp::shfl_xor: {
          const int other = lane ^ w.operands[lane];
          source = other >= segment + w.width || other < 0 ? lane : other;
          break;
        }
        case WarpOp::ballot: results[lane] = votes; continue;
        case WarpOp::any: results[lane] = votes != 0; continue;
        case WarpOp::all: results[lane] = (votes & w.arrived) == w.arrived; continue;
        case WarpOp::sync: continue;
      }
      if (source < 0 || source >= kWarpSize || !(w.arrived >> source & 1u)) {
        record_fault("warp shuffle from a lane that is not there", w.place,
                     std::string(op_name(w.op)) + " in lane " + std::to_string(lane) +
                         " reads lane " + std::to_string(source) + ", which " +
                         (source >= 0 && source < kWarpSize && (w.mask >> source & 1u)
                              ? "has exited"
                              : "the mask " + hex(w.mask) + " does not name") +
                         ": its value is undefined",
                     threads_[static_cast<size_t>(warp * kWarpSize + lane)]);
        if (caller >= 0) throw BlockAborted{};  // on the calling lane's fiber: it stops here
        return;
      }
      results[lane] = w.values[source];
    }
    for (int lane = 0; lane < kWarpSize; ++lane) {
      if (!(w.arrived >> lane & 1u)) continue;
      const int id = warp * kWarpSize + lane;
      CudaThread& t = threads_[static_cast<size_t>(id)];
      t.warp_result = results[lane];
      if (id != caller) {
        t.state = ThreadState::runnable;
        runnable_.push_back(id);
      }
    }
    w.active = false;
  }

  void resume(CudaThread& t) {
    current_block = this;
    current_thread = &t;
    t.state = ThreadState::runnable;
    Worker& w = *t.worker;
    if (!t.started) {
      t.started = true;
      w.block = this;
      w.thread = &t;
    }
    start_switch(&scheduler_fake_stack_, stack_bottom(w.stack), w.stack.size);
    w.fiber = std::move(w.fiber).resume();
    finish_switch(scheduler_fake_stack_, nullptr, nullptr);
    current_thread = nullptr;
    if (t.state == ThreadState::done) {
      // A lane's exit may complete its warp's pending operation.
      const int warp = t.linear / kWarpSize;
      PendingWarpOp& w = warps_[static_cast<size_t>(warp)];
      if (fault_.empty() && w.active && all_named_lanes_arrived(w, warp)) complete(w, warp, -1);
    }
  }

  static const void* stack_bottom(const context::stack_context& stack) {
    return static_cast<const char*>(stack.sp) - stack.size;
  }

  // Back to the scheduler until it resumes this thread; throws BlockAborted when that is only to
  // end it.
  void suspend() {
    yield_to_scheduler(*current_thread->worker);
    if (aborting_) throw BlockAborted{};
  }

  // No thread can run: release a barrier every thread waits at, or report why the block is stuck.
  bool release_or_report() {
    std::vector<int> exited, at_barrier, at_warp;
    for (const CudaThread& t : threads_) {
      if (t.state == ThreadState::done) exited.push_back(t.linear);
      if (t.state == ThreadState::at_barrier) at_barrier.push_back(t.linear);
      if (t.state == ThreadState::at_warp_op) at_warp.push_back(t.linear);
    }
    if (exited.size() == threads_.size()) return false;
    if (!at_warp.empty()) {
      const CudaThread& t = threads_[static_cast<size_t>(at_warp.front())];
      const PendingWarpOp& w = warps_[static_cast<size_t>(t.linear / kWarpSize)];
      // The lanes that have not arrived, grouped by where they wait.
      std::map<std::string, unsigned> waiting;
      for (int lane = 0; lane < kWarpSize; ++lane) {
        const size_t id = static_cast<size_t>(t.linear / kWarpSize * kWarpSize + lane);
        if (!(w.mask >> lane & 1u) || (w.arrived >> lane & 1u) || id >= threads_.size()) continue;
        const CudaThread& other = threads_[id];
        waiting[(other.state == ThreadState::at_barrier ? "__syncthreads() at "
                                                        : "another warp operation at ") +
                where(other.waiting_at)] |= 1u << lane;
      }
      std::string missing;
      for (const auto& [place, bits] : waiting) {
        missing += (missing.empty() ? "" : "; ") + std::string("lanes ") + lanes(bits) +
                   " wait at " + place;
      }
      record_fault("divergent warp operation", w.place,
                   std::string(op_name(w.op)) + " with mask " + hex(w.mask) + " reached by lanes " +
                       lanes(w.arrived) + " of warp " + std::to_string(t.linear / kWarpSize) +
                       " but not by every lane it names: " + missing,
                   t);
      return false;
    }
    const CudaThread& first = threads_[static_cast<size_t>(at_barrier.front())];
    bool same_place = true;
    for (const int id : at_barrier) {
      const SourcePlace p = threads_[static_cast<size_t>(id)].waiting_at;
      same_place &= p.file == first.waiting_at.file && p.line == first.waiting_at.line;
    }
    if (exited.empty() && same_place) {
      ++epoch_;
      for (const int id : at_barrier) {
        threads_[static_cast<size_t>(id)].state = ThreadState::runnable;
        runnable_.push_back(id);
      }
      return true;
    }
    if (!same_place) {
      std::map<std::string, std::vector<int>> by_place;
      for (const int id : at_barrier) {
        by_place[where(threads_[static_cast<size_t>(id)].waiting_at)].push_back(id);
      }
      std::string detail;
      for (const auto& [place, ids] : by_place) {
        detail += (detail.empty() ? "" : ", ") + std::to_string(ids.size()) + " threads (first " +
                  thread_name(ids.front()) + ") wait at " + place;
      }
      record_fault("barrier divergence", first.waiting_at,
                   "the block's threads wait at different __syncthreads(): " + detail +
                       " (a barrier inside a branch the whole block does not take)",
                   first);
    } else {
      record_fault(
          "barrier not reached by every thread", first.waiting_at,
          std::to_string(at_barrier.size()) + " threads wait at this __syncthreads() but " +
              std::to_string(exited.size()) + " threads (first " + thread_name(exited.front()) +
              ") exited without reaching it: a barrier inside a branch or after an "
              "early return; on a GPU the block hangs or reads stale shared memory",
          first);
    }
    return false;
  }

  void record_fault(const std::string& kind, SourcePlace place, const std::string& detail,
                    const CudaThread& named) {
    record_fault_at(kind, "at " + where(place), detail, named);
  }

  void record_fault_at(const std::string& kind, const std::string& location,
                       const std::string& detail, const CudaThread& named) {
    if (!fault_.empty()) return;
    std::ostringstream report;
    report << kind << " in kernel '" << request_.kernel << "' block " << coordinates(block_)
           << ", thread " << coordinates(named.index) << " " << location << ": " << detail;
    fault_ = report.str();
  }

  const LaunchRequest& request_;
  uint3 block_;
  const std::function<void()>& body_;
  std::mt19937_64 rng_;
  std::vector<CudaThread> threads_;
  std::vector<PendingWarpOp> warps_;
  std::vector<int> runnable_;
  std::map<const void*, SharedAllocation> shared_;
  uint32_t epoch_ = 1;  // 0 marks "never" in the shadow
  std::string fault_;
  bool aborting_ = false;
  void* scheduler_fake_stack_ = nullptr;
};

void yield_to_scheduler(Worker& w) {
  start_switch(&w.fake_stack, w.scheduler_bottom, w.scheduler_size);
  w.scheduler = std::move(w.scheduler).resume();
  finish_switch(w.fake_stack, &w.scheduler_bottom, &w.scheduler_size);
}

void run_thread_of(Worker& w) {
  w.block->run_thread(*w.thread);
  yield_to_scheduler(w);  // ended; the next resume starts another CUDA thread
}

BlockRun& block_or_die() {
  if (current_block == nullptr || current_thread == nullptr) {
    std::fprintf(stderr, "rlloss interpreted device: a kernel builtin called outside a kernel\n");
    std::abort();
  }
  return *current_block;
}

std::string shared_place(const SharedDeclaration& d, int64_t index, size_t element_size) {
  return "shared '" + std::string(d.name) + "'[" + std::to_string(index) + "] (byte " +
         std::to_string(static_cast<size_t>(index) * element_size) + " of the array declared at " +
         where(d.place) + ")";
}

}  // namespace

std::string run_grid(const LaunchRequest& request, const std::function<void()>& body, uint64_t seed,
                     GridCounts* counts) {
  std::vector<uint3> blocks;
  for (unsigned z = 0; z < request.grid.z; ++z) {
    for (unsigned y = 0; y < request.grid.y; ++y) {
      for (unsigned x = 0; x < request.grid.x; ++x) blocks.push_back({x, y, z});
    }
  }
  // Blocks run in any order on a GPU; here in one drawn from the seed.
  std::mt19937_64 order(seed ^ 0x9e3779b97f4a7c15ull);
  std::shuffle(blocks.begin(), blocks.end(), order);
  for (const uint3& block : blocks) {
    BlockRun run(request, block, body, seed);
    const std::string fault = run.run();
    counts->blocks += 1;
    counts->threads += static_cast<uint64_t>(request.block.x) * request.block.y * request.block.z;
    if (!fault.empty()) return fault;
  }
  return {};
}

// ---- what kernel_context.hpp declares ----------------------------------------------------------

const uint3& thread_index() {
  block_or_die();
  return current_thread->index;
}
const uint3& block_index() {
  return block_or_die().block();
}
const dim3& block_dim() {
  return block_or_die().request().block;
}
const dim3& grid_dim() {
  return block_or_die().request().grid;
}

void sync_threads(SourcePlace place) {
  block_or_die().barrier(place);
}

uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int operand, int width,
                         SourcePlace place) {
  return block_or_die().warp_op(op, mask, value, operand, width, place);
}

void kernel_fault(const char* what, SourcePlace place) {
  block_or_die().fault("kernel fault", place, what);
}

void* shared_storage(const SharedDeclaration& declaration, size_t element_size, int64_t count,
                     SharedShadow** shadow) {
  return block_or_die().shared(declaration, element_size, count, shadow);
}

void check_shared_read(const SharedDeclaration& declaration, SharedShadow& shadow, int64_t index,
                       size_t element_size) {
  BlockRun& b = block_or_die();
  const int me = current_thread->linear;
  if (shadow.write_epoch == 0) {
    b.fault_since_last_sync("uninitialised shared-memory read",
                            "reads " + shared_place(declaration, index, element_size) +
                                ", which no thread of the block has written");
  }
  if (shadow.write_epoch == b.epoch() && shadow.writer != me) {
    b.fault_since_last_sync("shared-memory race",
                            "reads " + shared_place(declaration, index, element_size) +
                                " written by thread " + b.thread_name(shadow.writer) +
                                " since the last __syncthreads()");
  }
  if (shadow.read_epoch != b.epoch()) {
    shadow.read_epoch = b.epoch();
    shadow.reader = me;
  } else if (shadow.reader != me) {
    shadow.reader = -2;
  }
}

void check_shared_write(const SharedDeclaration& declaration, SharedShadow& shadow, int64_t index,
                        size_t element_size) {
  BlockRun& b = block_or_die();
  const int me = current_thread->linear;
  if (shadow.write_epoch == b.epoch() && shadow.writer != me) {
    b.fault_since_last_sync("shared-memory race",
                            "writes " + shared_place(declaration, index, element_size) +
                                ", which thread " + b.thread_name(shadow.writer) +
                                " wrote since the last __syncthreads() (write-write conflict)");
  }
  if (shadow.read_epoch == b.epoch() && shadow.reader != me) {
    b.fault_since_last_sync("shared-memory race",
                            "writes " + shared_place(declaration, index, element_size) +
                                ", which " +
                                (shadow.reader == -2 ? std::string("several threads")
                                                     : "thread " + b.thread_name(shadow.reader)) +
                                " read since the last __syncthreads() (write after read)");
  }
  shadow.write_epoch = b.epoch();
  shadow.writer = me;
}

void shared_out_of_bounds(const SharedDeclaration& declaration, int64_t index, int64_t count) {
  block_or_die().fault_since_last_sync(
      "shared-memory index out of bounds",
      "index " + std::to_string(index) + " of shared '" + declaration.name + "' (declared at " +
          where(declaration.place) + "), which has " + std::to_string(count) + " elements");
}

}  // namespace rlloss::interp
