#include "run_fingerprint.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace rlloss::train {

namespace {

std::string number(double value) {
  char text[40];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

std::map<std::string, std::string> parse(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t equals = line.find('=');
    if (equals != std::string::npos) values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

}  // namespace

std::string describe_run(const TrainConfig& c, const std::string& loss_mode,
                         const std::vector<std::pair<std::string, std::string>>& loss_args) {
  std::map<std::string, std::string> values{
      {"loss.loss_mode", loss_mode},
      {"data.train_batch_size", std::to_string(c.train_batch_size)},
      {"data.min_digits", std::to_string(c.task.min_digits)},
      {"data.max_digits", std::to_string(c.task.max_digits)},
      {"data.max_response_length", std::to_string(c.response_length())},
      {"actor_rollout_ref.rollout.n", std::to_string(c.rollout_n)},
      {"actor_rollout_ref.rollout.temperature", number(c.temperature)},
      {"actor_rollout_ref.actor.ppo_mini_batch_size", std::to_string(c.ppo_mini_batch_size)},
      {"actor_rollout_ref.actor.ppo_epochs", std::to_string(c.ppo_epochs)},
      {"actor_rollout_ref.actor.grad_clip", number(c.grad_clip)},
      {"actor_rollout_ref.actor.optim.lr", number(c.lr)},
      {"actor_rollout_ref.actor.optim.weight_decay", number(c.weight_decay)},
      {"actor_rollout_ref.model.embed_size", std::to_string(c.model.embed_size)},
      {"actor_rollout_ref.model.hidden_size", std::to_string(c.model.hidden_size)},
      {"actor_rollout_ref.model.num_layers", std::to_string(c.model.num_layers)},
      {"trainer.total_training_steps", std::to_string(c.total_training_steps)},
      {"trainer.seed", std::to_string(c.seed)},
      {"trainer.dist_timeout_s", number(c.dist_timeout_s)},
  };
  for (const auto& [name, value] : loss_args) values["loss." + name] = value;
  std::string text;
  for (const auto& [key, value] : values) text += key + "=" + value + "\n";
  return text;
}

std::vector<std::string> describe_differences(const std::string& a, const std::string& b,
                                              const std::vector<std::string>& ignored) {
  const auto values_a = parse(a);
  const auto values_b = parse(b);
  std::map<std::string, std::pair<std::string, std::string>> all;
  for (const auto& [key, value] : values_a) all[key] = {value, "<absent>"};
  for (const auto& [key, value] : values_b) {
    if (all.count(key) == 0) all[key].first = "<absent>";
    all[key].second = value;
  }
  std::vector<std::string> differences;
  for (const auto& [key, pair] : all) {
    if (pair.first == pair.second) continue;
    if (std::find(ignored.begin(), ignored.end(), key) != ignored.end()) continue;
    differences.push_back(key + " (" + pair.first + " vs " + pair.second + ")");
  }
  return differences;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i > 0 ? separator : "") + parts[i];
  return text;
}

}  // namespace rlloss::train
