// Checkpoints of a training run: one file per checkpoint, "<dir>/step-00000010.ckpt", written
// atomically (temporary file, fsync, rename), so a crash while writing leaves the previous one.
//
// A checkpoint holds the model, the optimizer, every random state the run draws from (the prompt
// generator and LibTorch's default generator; the sampling generator is re-seeded from the seed
// and the step), the steps done, the metrics history, the metrics file's length at that step and
// the run's configuration fingerprint, so that a resumed run continues bit for bit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "trainer_state.hpp"

namespace rlloss::train {

// What a checkpoint holds besides the TrainerState.
struct CheckpointExtras {
  int64_t metrics_bytes = 0;  // the metrics file's length after the checkpoint's step
  std::string fingerprint;    // describe_run()'s text for the run that wrote it
  // Set by read_checkpoint: a hash of the very bytes it loaded (ranks compare it before they
  // start), so the file is read once and a file replaced meanwhile cannot go unnoticed.
  std::string digest;
};

std::filesystem::path checkpoint_path(const std::filesystem::path& dir, int64_t step);

void write_checkpoint(const std::filesystem::path& file, const TrainerState& state,
                      const CheckpointExtras& extras);

// Loads `file` into `state`, which must have been built from the same model configuration.
// Throws std::runtime_error naming the file when it is not a checkpoint or does not fit.
CheckpointExtras read_checkpoint(const std::filesystem::path& file, TrainerState& state);

// The checkpoint with the highest step in `dir`; nullopt when there is none.
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& dir);

// Deletes all but the newest `keep` checkpoints in `dir` (keep 0: deletes none).
void remove_old_checkpoints(const std::filesystem::path& dir, int64_t keep);

}  // namespace rlloss::train
