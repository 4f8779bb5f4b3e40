#include "train_config.hpp"

#include <limits>
#include <rlloss/registry.hpp>
#include <rlloss/yaml_scalar.hpp>
#include <type_traits>
#include <vector>

namespace rlloss::train {

namespace {

// The node at a dotted path, or an undefined node when any part is missing. Const lookups only:
// no copy of the document per key, and no insertion (a non-const operator[] would add the key).
YAML::Node find(const YAML::Node& root, const std::string& path) {
  const size_t dot = path.find('.');
  if (!root.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = root[path.substr(0, dot)];
  if (dot == std::string::npos || !child.IsDefined()) return child;
  return find(child, path.substr(dot + 1));
}

template <typename T>
bool fits(int64_t number) {
  if constexpr (std::is_unsigned_v<T>) {
    return number >= 0 && static_cast<uint64_t>(number) <= std::numeric_limits<T>::max();
  } else {
    return number >= std::numeric_limits<T>::min() && number <= std::numeric_limits<T>::max();
  }
}

// The same scalar rules as loss arguments (rlloss/yaml_scalar.hpp): a quoted "2e-3" is a string,
// not a learning rate.
template <typename T>
void read(const TrainerYaml& yaml, const std::string& path, T& value) {
  const YAML::Node node = find(yaml.root, path);
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsScalar()) {
    throw RegistryError(yaml.source_name + ": " + path + " must be a scalar");
  }
  std::string problem;
  if constexpr (std::is_same_v<T, bool>) {
    problem = yaml_scalar::read_bool(node, value);
  } else if constexpr (std::is_integral_v<T>) {
    int64_t number = 0;
    problem = yaml_scalar::read_integer(node, number);
    if (problem.empty() && !fits<T>(number)) problem = "out of range for this key";
    if (problem.empty()) value = static_cast<T>(number);
  } else if constexpr (std::is_floating_point_v<T>) {
    double number = 0;
    problem = yaml_scalar::read_number(node, "number", number);
    if (problem.empty()) value = static_cast<T>(number);
  } else {
    value = node.Scalar();
  }
  if (!problem.empty()) {
    throw RegistryError(yaml.source_name + ":" + std::to_string(node.Mark().line + 1) + ": " +
                        path + " = '" + node.Scalar() + "': " + problem);
  }
}

void require(bool ok, const std::string& message) {
  if (!ok) throw RegistryError("train config: " + message);
}

// Gloo takes milliseconds; a day is far beyond any wait this trainer makes.
void require_seconds(double seconds, const std::string& key) {
  require(seconds >= 0.001 && seconds <= 86400, key + " must be in [0.001, 86400] seconds");
}

}  // namespace

TrainConfig read_train_config(const TrainerYaml& yaml) {
  TrainConfig c;
  const std::string actor = "actor_rollout_ref.actor.";
  read(yaml, "data.train_batch_size", c.train_batch_size);
  read(yaml, "data.min_digits", c.task.min_digits);
  read(yaml, "data.max_digits", c.task.max_digits);
  read(yaml, "data.max_response_length", c.max_response_length);
  read(yaml, "actor_rollout_ref.rollout.n", c.rollout_n);
  read(yaml, "actor_rollout_ref.rollout.temperature", c.temperature);
  read(yaml, actor + "ppo_mini_batch_size", c.ppo_mini_batch_size);
  read(yaml, actor + "ppo_epochs", c.ppo_epochs);
  read(yaml, actor + "grad_clip", c.grad_clip);
  read(yaml, actor + "optim.lr", c.lr);
  read(yaml, actor + "optim.weight_decay", c.weight_decay);
  read(yaml, "actor_rollout_ref.model.embed_size", c.model.embed_size);
  read(yaml, "actor_rollout_ref.model.hidden_size", c.model.hidden_size);
  read(yaml, "actor_rollout_ref.model.num_layers", c.model.num_layers);
  read(yaml, "trainer.total_training_steps", c.total_training_steps);
  read(yaml, "trainer.seed", c.seed);
  read(yaml, "trainer.num_threads", c.num_threads);
  read(yaml, "trainer.metrics_file", c.metrics_file);
  read(yaml, "trainer.log_interval", c.log_interval);
  read(yaml, "trainer.reward_threshold", c.reward_threshold);
  read(yaml, "trainer.save_params", c.save_params);
  read(yaml, "trainer.log_timing", c.log_timing);
  read(yaml, "trainer.checkpoint_interval", c.checkpoint_interval);
  read(yaml, "trainer.checkpoint_dir", c.checkpoint_dir);
  read(yaml, "trainer.checkpoints_to_keep", c.checkpoints_to_keep);
  read(yaml, "trainer.dist_timeout_s", c.dist_timeout_s);
  read(yaml, "trainer.dist_join_timeout_s", c.dist_join_timeout_s);
  check_train_config(c, 1);
  return c;
}

void check_train_config(const TrainConfig& c, int64_t world_size) {
  require(c.task.min_digits >= 1 && c.task.max_digits >= c.task.min_digits,
          "need 1 <= data.min_digits <= data.max_digits");
  require(c.train_batch_size > 0, "data.train_batch_size must be positive");
  require(c.response_length() > 0, "data.max_response_length must be positive");
  require(c.rollout_n > 0, "actor_rollout_ref.rollout.n must be positive");
  require(c.temperature > 0, "actor_rollout_ref.rollout.temperature must be positive");
  require(c.ppo_mini_batch_size > 0 && c.train_batch_size % c.ppo_mini_batch_size == 0,
          "data.train_batch_size must be a multiple of actor.ppo_mini_batch_size");
  require(c.ppo_mini_batch_size % world_size == 0,
          "actor.ppo_mini_batch_size (" + std::to_string(c.ppo_mini_batch_size) +
              ") must be a multiple of the number of processes (" + std::to_string(world_size) +
              ")");
  require(c.ppo_epochs > 0, "actor.ppo_epochs must be positive");
  require(c.lr > 0, "actor.optim.lr must be positive");
  require(c.grad_clip >= 0, "actor.grad_clip must be >= 0");
  require(c.model.embed_size > 0 && c.model.hidden_size > 0 && c.model.num_layers > 0,
          "model sizes must be positive");
  require(c.total_training_steps > 0, "trainer.total_training_steps must be positive");
  require(c.log_interval > 0, "trainer.log_interval must be positive");
  require(c.checkpoint_interval >= 0, "trainer.checkpoint_interval must be >= 0");
  require(!c.checkpoint_dir.empty(), "trainer.checkpoint_dir must not be empty");
  require(c.checkpoints_to_keep >= 0, "trainer.checkpoints_to_keep must be >= 0");
  require_seconds(c.dist_timeout_s, "trainer.dist_timeout_s");
  require_seconds(c.dist_join_timeout_s, "trainer.dist_join_timeout_s");
}

}  // namespace rlloss::train
