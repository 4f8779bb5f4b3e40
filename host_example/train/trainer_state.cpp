#include "trainer_state.hpp"

namespace rlloss::train {

namespace {

PolicyModel seeded_model(const TrainConfig& config) {
  torch::manual_seed(config.seed);
  return PolicyModel(config.model);
}

}  // namespace

TrainerState::TrainerState(const TrainConfig& config)
    : model(seeded_model(config)),
      optimizer(model->parameters(),
                torch::optim::AdamWOptions(config.lr).weight_decay(config.weight_decay)),
      prompt_rng(config.seed) {}

}  // namespace rlloss::train
