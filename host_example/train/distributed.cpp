#include "distributed.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "run_fingerprint.hpp"

namespace rlloss::train {

namespace {

using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

// How long the diagnosis of a failure may wait on the store (which may be what failed).
constexpr Milliseconds kDiagnosisTimeout{3000};
// How often a rank tells the store it is alive.
constexpr Milliseconds kHeartbeatInterval{250};

Milliseconds to_milliseconds(double seconds) {
  return Milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::vector<uint8_t> to_bytes(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::string to_text(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// The first line of an exception's message (LibTorch's carry a backtrace after it).
std::string first_line(const std::exception& e) {
  const std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g s", seconds);
  return text;
}

// A wait's length and the setting it comes from, for messages.
struct Deadline {
  Milliseconds duration;
  const char* setting;

  double seconds() const { return static_cast<double>(duration.count()) / 1000; }
  std::string describe() const {
    return std::string(setting) + " (" + seconds_text(seconds()) + ")";
  }
};

class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
  void broadcast_from_rank0(std::vector<torch::Tensor>&) override {}
  void check_same_run(const std::string&) override {}
};

class GlooCommunicator : public Communicator {
 public:
  explicit GlooCommunicator(const DistOptions& options)
      : rank_(options.rank),
        world_size_(options.world_size),
        timeout_{to_milliseconds(options.timeout_s), "trainer.dist_timeout_s"},
        join_timeout_{to_milliseconds(options.join_timeout_s), "trainer.dist_join_timeout_s"} {
    // Ranks start minutes apart on a cluster (and seconds apart on a loaded machine), so the
    // rendezvous waits for the join deadline; once every rank is there, the rest waits for the
    // collective deadline.
    try {
      if (!options.store_dir.empty()) {
        store_ =
            c10::make_intrusive<c10d::FileStore>(options.store_dir + "/store", options.world_size);
        store_->setTimeout(join_timeout_.duration);
      } else {
        c10d::TCPStoreOptions store_options;
        store_options.port = static_cast<uint16_t>(options.master_port);
        store_options.isServer = options.rank == 0;
        store_options.numWorkers = static_cast<size_t>(options.world_size);
        store_options.timeout = join_timeout_.duration;
        store_ = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
      }
    } catch (const std::exception& e) {
      throw DistributedError("rank " + std::to_string(rank_) + " could not rendezvous at " +
                             (options.store_dir.empty()
                                  ? options.master_addr + ":" + std::to_string(options.master_port)
                                  : options.store_dir) +
                             " within " + join_timeout_.describe() + ": " + first_line(e));
    }
    heartbeat_ = std::thread([this] { beat(); });
    try {
      collective("joining the process group", join_timeout_,
                 [&] { store_->wait(every_rank(reached_key), join_timeout_.duration); });
      store_->setTimeout(timeout_.duration);
      collective("connecting the process group", timeout_, [&] {
        auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout_.duration);
        gloo_options->devices.push_back(
            c10d::ProcessGroupGloo::createDeviceForHostname(options.master_addr));
        group_ =
            c10::make_intrusive<c10d::ProcessGroupGloo>(store_, rank_, world_size_, gloo_options);
      });
    } catch (...) {
      stop_heartbeat();  // no destructor runs for a constructor that throws
      throw;
    }
  }

  ~GlooCommunicator() override { stop_heartbeat(); }

  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }

  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override {
    // One flat buffer: a single collective per call, whatever the number of tensors.
    std::vector<torch::Tensor> flat{flatten(tensors)};
    collective("all-reduce", timeout_, [&] { group_->allreduce(flat)->wait(); });
    unflatten(flat[0], tensors);
  }

  void broadcast_from_rank0(std::vector<torch::Tensor>& tensors) override {
    std::vector<torch::Tensor> flat{flatten(tensors)};
    c10d::BroadcastOptions options;
    options.rootRank = 0;
    collective("broadcast", timeout_, [&] { group_->broadcast(flat, options)->wait(); });
    unflatten(flat[0], tensors);
  }

  void check_same_run(const std::string& description) override {
    collective("comparing configurations", timeout_, [&] {
      store_->set(run_key(rank_), to_bytes(description));
      store_->wait(every_rank(run_key), timeout_.duration);
    });
    const std::string reference = to_text(store_->get(run_key(0)));
    std::vector<std::string> mismatches;
    for (int r = 1; r < world_size_; ++r) {
      const auto differences = describe_differences(reference, to_text(store_->get(run_key(r))));
      if (!differences.empty()) {
        mismatches.push_back("rank " + std::to_string(r) + ": " + join(differences, ", "));
      }
    }
    if (!mismatches.empty()) {
      throw DistributedError(
          "the ranks resolved different configurations (rank 0's value vs the other rank's): " +
          join(mismatches, "; ") + "; refusing to start");
    }
  }

 private:
  static std::string reached_key(int rank) { return "rlloss/reached/" + std::to_string(rank); }
  static std::string run_key(int rank) { return "rlloss/run/" + std::to_string(rank); }
  static std::string heartbeat_key(int rank) { return "rlloss/alive/" + std::to_string(rank); }

  // key(r) for every rank r.
  std::vector<std::string> every_rank(std::string (*key)(int)) const {
    std::vector<std::string> keys;
    for (int r = 0; r < world_size_; ++r) keys.push_back(key(r));
    return keys;
  }

  static torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
    std::vector<torch::Tensor> parts;
    for (const auto& t : tensors) parts.push_back(t.reshape({-1}).to(torch::kFloat64));
    return torch::cat(parts);
  }

  static void unflatten(const torch::Tensor& flat, std::vector<torch::Tensor>& tensors) {
    int64_t offset = 0;
    for (auto& t : tensors) {
      const int64_t n = t.numel();
      t.copy_(flat.narrow(0, offset, n).reshape(t.sizes()));
      offset += n;
    }
  }

  // Runs one collective step under `deadline`; a failure becomes a DistributedError that says
  // which ranks had not reached this step.
  template <typename Operation>
  void collective(const std::string& what, const Deadline& deadline, Operation&& operation) {
    ++sequence_;
    const auto start = Clock::now();
    try {
      store_->set(reached_key(rank_), to_bytes(std::to_string(sequence_)));
      operation();
    } catch (const DistributedError&) {
      throw;
    } catch (const std::exception& e) {
      const double waited = std::chrono::duration<double>(Clock::now() - start).count();
      throw DistributedError(describe_failure(what, deadline, waited, first_line(e)));
    }
  }

  std::string describe_failure(const std::string& what, const Deadline& deadline, double waited,
                               const std::string& cause) {
    std::string message = what + " (collective #" + std::to_string(sequence_) +
                          ") failed on rank " + std::to_string(rank_) + " after " +
                          seconds_text(waited) + ": ";
    std::vector<std::string> suspects;
    try {
      store_->setTimeout(kDiagnosisTimeout);
      // A live rank's heartbeat moves within a few beats; a stopped, hung or dead one's does not.
      const std::vector<int64_t> beats_before = read_counters(heartbeat_key);
      std::this_thread::sleep_for(4 * kHeartbeatInterval);
      const std::vector<int64_t> beats_after = read_counters(heartbeat_key);
      const std::vector<int64_t> reached = read_counters(reached_key);
      for (int r = 0; r < world_size_; ++r) {
        if (r == rank_) continue;
        std::vector<std::string> notes;
        if (reached[r] < 0) {
          notes.push_back("never joined");
        } else if (reached[r] < sequence_) {
          notes.push_back("last reached #" + std::to_string(reached[r]));
        }
        if (reached[r] >= 0 && beats_after[r] == beats_before[r]) notes.push_back("not responding");
        if (!notes.empty())
          suspects.push_back("rank " + std::to_string(r) + " (" + join(notes) + ")");
      }
    } catch (const std::exception&) {
      return message + "the rendezvous store is not answering, so rank 0 is probably gone [" +
             cause + "]";
    }
    if (suspects.empty()) {
      message += "every rank reached it and is alive, so a connection failed";
    } else if (waited >= 0.9 * deadline.seconds()) {
      message += join(suspects) + " did not complete it within " + deadline.describe();
    } else {
      message += join(suspects) + " failed before the deadline (it may have exited)";
    }
    return message + " [" + cause + "]";
  }

  // Each rank's counter under key(rank) in the store; -1 where a rank has none.
  std::vector<int64_t> read_counters(std::string (*key)(int)) {
    std::vector<int64_t> counters;
    for (const std::string& k : every_rank(key)) {
      counters.push_back(store_->check({k}) ? std::stoll(to_text(store_->get(k))) : -1);
    }
    return counters;
  }

  void stop_heartbeat() {
    {
      std::lock_guard<std::mutex> lock(heartbeat_mutex_);
      stopping_ = true;
    }
    heartbeat_wake_.notify_all();
    if (heartbeat_.joinable()) heartbeat_.join();
  }

  void beat() {
    std::unique_lock<std::mutex> lock(heartbeat_mutex_);
    for (int64_t count = 0; !stopping_; ++count) {
      try {
        store_->set(heartbeat_key(rank_), to_bytes(std::to_string(count)));
      } catch (const std::exception&) {
        return;  // the store is gone; the next collective reports it
      }
      heartbeat_wake_.wait_for(lock, kHeartbeatInterval, [&] { return stopping_; });
    }
  }

  int rank_;
  int world_size_;
  Deadline timeout_;
  Deadline join_timeout_;
  int64_t sequence_ = 0;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_wake_;
  bool stopping_ = false;
  std::thread heartbeat_;
};

// The parent's record of its children (ranks 1..), shared with the watcher thread.
struct Workers {
  std::mutex mutex;
  std::vector<pid_t> pids;  // index rank - 1; 0 once reaped
  std::thread watcher;
  std::atomic<bool> parent_done{false};
  std::atomic<bool> all_reaped{false};
  std::atomic<bool> failed{false};
};

Workers& workers() {
  static Workers instance;
  return instance;
}

void kill_children(int signal) {
  Workers& w = workers();
  std::lock_guard<std::mutex> lock(w.mutex);
  for (const pid_t pid : w.pids) {
    if (pid > 0) ::kill(pid, signal);
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigdescr_np(WTERMSIG(status));
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + (name ? name : "?") +
           ")";
  }
  return "ended with status " + std::to_string(status);
}

void watch_children() {
  Workers& w = workers();
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: every child is reaped
    }
    int rank = 0;
    {
      std::lock_guard<std::mutex> lock(w.mutex);
      for (size_t i = 0; i < w.pids.size(); ++i) {
        if (w.pids[i] == pid) {
          w.pids[i] = 0;
          rank = static_cast<int>(i) + 1;
        }
      }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
    if (w.failed.exchange(true) || w.parent_done) continue;  // already being handled
    std::fprintf(stderr, "train: rank %d (pid %d) %s; stopping the other ranks\n", rank,
                 static_cast<int>(pid), describe_status(status).c_str());
    kill_children(SIGKILL);
    // Rank 0's next collective fails by itself and reports; end it if it does not within 5 s.
    for (int i = 0; i < 50 && !w.parent_done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!w.parent_done) {
      std::fprintf(stderr, "train: stopping rank 0\n");
      std::fflush(nullptr);
      std::_Exit(1);
    }
  }
  w.all_reaped = true;
}

}  // namespace

std::unique_ptr<Communicator> make_communicator(const DistOptions& options) {
  if (options.world_size < 1 || options.rank < 0 || options.rank >= options.world_size) {
    throw std::invalid_argument("need 0 <= rank < world size, got rank " +
                                std::to_string(options.rank) + " of " +
                                std::to_string(options.world_size));
  }
  if (options.world_size == 1) return std::make_unique<LocalCommunicator>();
  return std::make_unique<GlooCommunicator>(options);
}

int fork_workers(int world_size) {
  Workers& w = workers();
  const pid_t parent = ::getpid();
  for (int rank = 1; rank < world_size; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) {
      kill_children(SIGKILL);
      throw std::runtime_error("fork() failed for rank " + std::to_string(rank));
    }
    if (pid == 0) {
      // Die with the parent; if it is already gone, do not start.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) std::_Exit(1);
      return rank;
    }
    std::lock_guard<std::mutex> lock(w.mutex);
    w.pids.push_back(pid);
  }
  if (world_size > 1) w.watcher = std::thread(watch_children);
  return 0;
}

int finish_workers(int own_code, double grace_s) {
  Workers& w = workers();
  w.parent_done = true;
  if (own_code != 0) kill_children(SIGKILL);
  const auto deadline = Clock::now() + std::chrono::duration<double>(grace_s);
  while (!w.all_reaped && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!w.all_reaped) {
    std::fprintf(stderr, "train: a rank did not end within %s after rank 0; killing it\n",
                 seconds_text(grace_s).c_str());
    w.failed = true;
    kill_children(SIGKILL);
  }
  if (w.watcher.joinable()) w.watcher.join();
  if (own_code != 0) return own_code;
  return w.failed ? 1 : 0;
}

}  // namespace rlloss::train
