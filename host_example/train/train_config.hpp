// The trainer's settings, read from a verl-shaped YAML; every setting has a default.
//
//   data.train_batch_size                       prompts per step (global, all ranks)      32
//   data.min_digits / data.max_digits           prompt lengths of the reversal task        2 / 3
//   data.max_response_length                    tokens sampled per response         max_digits + 1
//   actor_rollout_ref.rollout.n                 responses sampled per prompt              8
//   actor_rollout_ref.rollout.temperature       sampling temperature                      1.0
//   actor_rollout_ref.actor.ppo_mini_batch_size prompts per optimiser step (global)       8
//   actor_rollout_ref.actor.ppo_epochs          passes over the step's batch              2
//   actor_rollout_ref.actor.grad_clip           global gradient-norm clip (0: none)       1.0
//   actor_rollout_ref.actor.optim.lr            AdamW learning rate                       2e-3
//   actor_rollout_ref.actor.optim.weight_decay  AdamW-style decay                         0.0
//   actor_rollout_ref.model.embed_size          token embedding width                     32
//   actor_rollout_ref.model.hidden_size         GRU width                                 256
//   actor_rollout_ref.model.num_layers          GRU layers                                1
//   trainer.total_training_steps                steps                                     300
//   trainer.seed                                model init, prompts and sampling          1
//   trainer.num_threads                         LibTorch intra-op threads (0: default)    0
//   trainer.metrics_file                        JSON line per step ("": none)   train_metrics.jsonl
//   trainer.log_interval                        steps between plain log lines             25
//   trainer.reward_threshold                    `compare`'s "steps to reach" threshold    0.7
//   trainer.save_params                         file for the final parameters ("": none)  ""
//   trainer.log_timing                          timing/* keys in the metrics file          true
//   trainer.checkpoint_interval                 steps between checkpoints (0: only on
//                                               SIGINT/SIGTERM)                            0
//   trainer.checkpoint_dir                      where checkpoints go                   checkpoints
//   trainer.checkpoints_to_keep                 newest checkpoints kept (0: all)           3
//   trainer.dist_timeout_s                      deadline of every collective, seconds      300
//   trainer.dist_join_timeout_s                 how long ranks wait for each other to
//                                               start (the rendezvous), seconds            600
// The loss comes from actor_rollout_ref.actor.policy_loss.loss_mode through the registry.
#pragma once

#include <cstdint>
#include <rlloss/loss_config.hpp>
#include <string>

#include "task.hpp"

namespace rlloss::train {

struct ModelSpec {
  int64_t embed_size = 32;
  int64_t hidden_size = 256;
  int64_t num_layers = 1;
};

struct TrainConfig {
  TaskSpec task;
  int64_t train_batch_size = 32;
  int64_t max_response_length = 0;  // 0: task.max_digits + 1
  int64_t rollout_n = 8;
  double temperature = 1.0;
  int64_t ppo_mini_batch_size = 8;
  int64_t ppo_epochs = 2;
  double grad_clip = 1.0;
  double lr = 2e-3;
  double weight_decay = 0.0;
  ModelSpec model;
  int64_t total_training_steps = 300;
  uint64_t seed = 1;
  int num_threads = 0;
  std::string metrics_file = "train_metrics.jsonl";
  int64_t log_interval = 25;
  double reward_threshold = 0.7;
  std::string save_params;
  bool log_timing = true;
  int64_t checkpoint_interval = 0;
  std::string checkpoint_dir = "checkpoints";
  int64_t checkpoints_to_keep = 3;
  double dist_timeout_s = 300;
  double dist_join_timeout_s = 600;

  int64_t response_length() const {
    return max_response_length > 0 ? max_response_length : task.max_digits + 1;
  }
};

// Reads the trainer settings; throws RegistryError naming the key on a wrong type or value.
TrainConfig read_train_config(const TrainerYaml& yaml);

// Checks the settings against each other and a world size; throws RegistryError naming the keys.
void check_train_config(const TrainConfig& config, int64_t world_size);

}  // namespace rlloss::train
