// Command-line options of `host_example train` and `host_example compare`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rlloss::host {

struct TrainOptions {
  std::filesystem::path config_file;
  std::vector<std::string> sets;  // loss argument overrides, key=value
  std::optional<uint64_t> seed;
  std::optional<int64_t> steps;
  std::optional<std::string> metrics_file;
  std::optional<std::string> save_params;
  std::optional<std::string> checkpoint_dir;
  std::optional<int64_t> checkpoint_interval;
  std::string resume;  // "": a new run; "auto": the newest checkpoint in checkpoint_dir, if any;
                       // else a checkpoint file, or a directory to take the newest from
  int nproc = 1;       // fork this many processes on this machine
  int rank = -1;       // or join a run started elsewhere: this process's rank ...
  int world_size = 1;  // ... of this many
  std::string master_addr = "127.0.0.1";  // --rank only
  int master_port = 0;                    // --rank only; 0: 29500
};

struct CompareOptions {
  std::vector<std::filesystem::path> configs;  // two or more trainer YAMLs
  std::vector<uint64_t> seeds;                 // empty: the first config's trainer.seed
  std::optional<int64_t> steps;
  std::filesystem::path out_dir = "compare_out";
};

}  // namespace rlloss::host
