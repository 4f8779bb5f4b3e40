// Data parallel: the processes of one run and what they share.
//
// A Communicator sums and broadcasts tensors across the ranks of a run. One process needs none;
// several use LibTorch's c10d ProcessGroupGloo. Ranks rendezvous through a c10d store: a FileStore
// in a private directory for `--nproc` (nothing listens on the network), a TCPStore at the master's
// address for `--rank`. Gloo's connections bind to the master address (127.0.0.1 for `--nproc`).
//
// Every collective has a deadline (DistOptions::timeout_s); the rendezvous, which waits for ranks
// that may start minutes apart, has its own (join_timeout_s). Before each collective a rank records
// in the store that it reached it, so that a failure names the ranks that did not.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace rlloss::train {

struct DistOptions {
  int rank = 0;
  int world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string store_dir;  // not empty: rendezvous through a FileStore there instead of TCP
  double timeout_s = 300;
  double join_timeout_s = 600;
};

// A collective or the rendezvous failed or timed out; the message names the ranks involved.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Sums each tensor (CPU) over all ranks, in place.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
  // Copies rank 0's values into every rank's tensors (CPU, contiguous, same shapes everywhere).
  virtual void broadcast_from_rank0(std::vector<torch::Tensor>& tensors) = 0;
  // Every rank passes its describe_run() text; throws DistributedError on every rank when any
  // rank's differs from rank 0's, naming the ranks and the keys.
  virtual void check_same_run(const std::string& description) = 0;
};

// world_size 1: a communicator that does nothing; otherwise a Gloo process group.
std::unique_ptr<Communicator> make_communicator(const DistOptions& options);

// For `--nproc`: forks world_size - 1 children (ranks 1..) before anything touches LibTorch and
// returns this process's rank: 0 in the parent. A child is killed when the parent dies. In the
// parent, a watcher thread reaps the children: when one fails (non-zero exit or a signal) it says
// which, kills the others, and ends the parent unless it ends by itself within a few seconds.
int fork_workers(int world_size);

// In the parent after its own work, with its exit code: kills the children when that code is
// non-zero, waits for them (killing any still running after `grace_s`), and returns the run's
// exit code (non-zero when any process failed).
int finish_workers(int own_code, double grace_s);

}  // namespace rlloss::train
