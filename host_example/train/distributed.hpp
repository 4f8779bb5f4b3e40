// Data parallel: the processes of one run and the sums they share.
//
// A Communicator sums tensors across the ranks of a run in place. One process needs none; several
// use LibTorch's c10d ProcessGroupGloo, rendezvousing through a c10d TCPStore at the master's
// address and port.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace rlloss::train {

struct DistOptions {
  int rank = 0;
  int world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // Sums each tensor (contiguous, CPU) over all ranks, in place.
  virtual void all_reduce_sum(std::vector<torch::Tensor>& tensors) = 0;
};

// world_size 1: a communicator that does nothing; otherwise a Gloo process group.
std::unique_ptr<Communicator> make_communicator(const DistOptions& options);

// A TCP port on the loopback that was free a moment ago (for `--nproc` on one machine).
int find_free_port();

// Forks world_size - 1 children before anything touches LibTorch. Returns this process's rank:
// 0 in the parent, 1.. in the children.
int fork_workers(int world_size);

// In rank 0 after its own work: waits for every child; true when all exited with status 0.
bool wait_for_workers();

}  // namespace rlloss::train
