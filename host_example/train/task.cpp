#include "task.hpp"

#include <algorithm>

namespace rlloss::train {

namespace {

// The response's tokens before its first EOS (all of them when it has none).
std::vector<int64_t> answer_tokens(const std::vector<int64_t>& response) {
  const auto eos = std::find(response.begin(), response.end(), kEosToken);
  return {response.begin(), eos};
}

}  // namespace

Digits reverse_target(const Digits& prompt) {
  return {prompt.rbegin(), prompt.rend()};
}

double reversal_reward(const Digits& prompt, const std::vector<int64_t>& response) {
  const Digits target = reverse_target(prompt);
  const std::vector<int64_t> answer = answer_tokens(response);
  const size_t denominator = std::max(target.size(), answer.size());
  if (denominator == 0) return 1.0;
  size_t correct = 0;
  for (size_t i = 0; i < std::min(target.size(), answer.size()); ++i) {
    if (answer[i] == target[i]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(denominator);
}

bool is_exact(const Digits& prompt, const std::vector<int64_t>& response) {
  const Digits target = reverse_target(prompt);
  const auto eos = std::find(response.begin(), response.end(), kEosToken);
  return eos != response.end() && answer_tokens(response) == target;
}

std::vector<Digits> make_prompts(const TaskSpec& spec, int64_t count, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> length(spec.min_digits, spec.max_digits);
  std::uniform_int_distribution<int64_t> digit(0, 9);
  std::vector<Digits> prompts(static_cast<size_t>(count));
  for (auto& prompt : prompts) {
    prompt.resize(static_cast<size_t>(length(rng)));
    for (auto& d : prompt) d = digit(rng);
  }
  return prompts;
}

}  // namespace rlloss::train
