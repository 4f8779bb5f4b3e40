#include "sampler.hpp"

namespace rlloss::train {

torch::Tensor encode_prompts(const std::vector<Digits>& prompts, int64_t n, int64_t max_digits) {
  const int64_t width = max_digits + 1;
  torch::Tensor out =
      torch::full({static_cast<int64_t>(prompts.size()) * n, width}, kPadToken, torch::kInt64);
  auto acc = out.accessor<int64_t, 2>();
  for (size_t i = 0; i < prompts.size(); ++i) {
    const Digits& digits = prompts[i];
    const int64_t start = width - 1 - static_cast<int64_t>(digits.size());
    for (int64_t copy = 0; copy < n; ++copy) {
      const int64_t row = static_cast<int64_t>(i) * n + copy;
      for (size_t k = 0; k < digits.size(); ++k)
        acc[row][start + static_cast<int64_t>(k)] = digits[k];
      acc[row][width - 1] = kSepToken;
    }
  }
  return out;
}

Rollout sample_responses(PolicyModel& model, const torch::Tensor& prompts,
                         const torch::Tensor& uniforms, double temperature) {
  torch::NoGradGuard no_grad;
  const int64_t batch = prompts.size(0);
  const int64_t length = uniforms.size(1);
  Rollout rollout;
  rollout.prompts = prompts;
  rollout.responses = torch::full({batch, length}, kPadToken, torch::kInt64);
  rollout.response_mask = torch::zeros({batch, length}, torch::kFloat32);
  torch::Tensor finished = torch::zeros({batch}, torch::kBool);
  auto [logits, state] = model->step(prompts, torch::Tensor());
  for (int64_t t = 0; t < length; ++t) {
    const torch::Tensor probs = torch::softmax(logits.to(torch::kFloat64) / temperature, -1);
    const torch::Tensor cdf = probs.cumsum(-1);
    const torch::Tensor u = uniforms.index({torch::indexing::Slice(), t}).unsqueeze(-1);
    // The first token whose cumulative probability exceeds u (the last one if rounding leaves
    // the total below u).
    torch::Tensor token = (cdf <= u * cdf.index({torch::indexing::Slice(), -1}).unsqueeze(-1))
                              .sum(-1)
                              .clamp_max(kVocabSize - 1);
    token = torch::where(finished, torch::full_like(token, kPadToken), token);
    rollout.responses.index_put_({torch::indexing::Slice(), t}, token);
    rollout.response_mask.index_put_({torch::indexing::Slice(), t},
                                     (~finished).to(torch::kFloat32));
    finished = finished | (token == kEosToken);
    std::tie(logits, state) = model->step(token.unsqueeze(1), state);
  }
  return rollout;
}

}  // namespace rlloss::train
