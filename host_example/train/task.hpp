// The shipped verifiable task: given a short digit string, emit it reversed, then EOS.
//
// Tokens: digits 0-9, SEP (ends the prompt), EOS (ends the response), PAD (left-pads prompts and
// fills a response after its EOS). The reward is checked by a program with partial credit:
// reward = (positions i where response[i] == reversed[i]) / max(len(reversed), len(response)),
// where the response is the tokens before the first EOS (or all of them when no EOS came), so
// both a wrong digit and a missing or extra token cost credit. A perfect answer scores 1.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace rlloss::train {

constexpr int64_t kSepToken = 10;
constexpr int64_t kEosToken = 11;
constexpr int64_t kPadToken = 12;
constexpr int64_t kVocabSize = 13;

struct TaskSpec {
  int min_digits = 2;
  int max_digits = 3;
};

using Digits = std::vector<int64_t>;

// The target answer of a prompt (the prompt's digits reversed).
Digits reverse_target(const Digits& prompt);

// The reward of `response` (tokens as sampled, possibly with EOS and PAD) for `prompt`.
double reversal_reward(const Digits& prompt, const std::vector<int64_t>& response);

// True when the response is exactly the reversed prompt followed by EOS.
bool is_exact(const Digits& prompt, const std::vector<int64_t>& response);

// `count` prompts with lengths uniform in [min_digits, max_digits], digits uniform in 0-9.
std::vector<Digits> make_prompts(const TaskSpec& spec, int64_t count, std::mt19937_64& rng);

}  // namespace rlloss::train
