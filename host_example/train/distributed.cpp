#include "distributed.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace rlloss::train {

namespace {

class LocalCommunicator : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void all_reduce_sum(std::vector<torch::Tensor>&) override {}
};

class GlooCommunicator : public Communicator {
 public:
  explicit GlooCommunicator(const DistOptions& options)
      : rank_(options.rank), world_size_(options.world_size) {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(options.master_port);
    store_options.isServer = options.rank == 0;
    store_options.numWorkers = static_cast<size_t>(options.world_size);
    store_options.timeout = std::chrono::seconds(120);
    auto store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, store_options);
    auto gloo_options = c10d::ProcessGroupGloo::Options::create();
    gloo_options->devices.push_back(
        c10d::ProcessGroupGloo::createDeviceForHostname(options.master_addr));
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, options.rank, options.world_size,
                                                         gloo_options);
  }
  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  void all_reduce_sum(std::vector<torch::Tensor>& tensors) override {
    // One flat buffer: a single collective per call, whatever the number of tensors.
    std::vector<torch::Tensor> flat{torch::cat([&] {
      std::vector<torch::Tensor> parts;
      for (const auto& t : tensors) parts.push_back(t.reshape({-1}).to(torch::kFloat64));
      return parts;
    }())};
    group_->allreduce(flat)->wait();
    int64_t offset = 0;
    for (auto& t : tensors) {
      const int64_t n = t.numel();
      t.copy_(flat[0].narrow(0, offset, n).reshape(t.sizes()));
      offset += n;
    }
  }

 private:
  int rank_;
  int world_size_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

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

int find_free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed while looking for a free port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    throw std::runtime_error("could not bind a loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

int fork_workers(int world_size) {
  for (int rank = 1; rank < world_size; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork() failed");
    if (pid == 0) return rank;
  }
  return 0;
}

bool wait_for_workers() {
  bool ok = true;
  int status = 0;
  while (wait(&status) > 0) {
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = false;
  }
  return ok;
}

}  // namespace rlloss::train
