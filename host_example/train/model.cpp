#include "model.hpp"

#include "task.hpp"

namespace rlloss::train {

PolicyModelImpl::PolicyModelImpl(const ModelSpec& spec) {
  embed_ = register_module("embed", torch::nn::Embedding(kVocabSize, spec.embed_size));
  gru_ =
      register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(spec.embed_size, spec.hidden_size)
                                                .num_layers(spec.num_layers)
                                                .batch_first(true)));
  head_ = register_module("head", torch::nn::Linear(spec.hidden_size, kVocabSize));
}

torch::Tensor PolicyModelImpl::forward(const torch::Tensor& tokens) {
  auto [hidden, state] = gru_->forward(embed_->forward(tokens));
  (void)state;
  return head_->forward(hidden);
}

std::pair<torch::Tensor, torch::Tensor> PolicyModelImpl::step(const torch::Tensor& tokens,
                                                              const torch::Tensor& state) {
  auto [hidden, next_state] = gru_->forward(embed_->forward(tokens), state);
  using torch::indexing::Slice;
  return {head_->forward(hidden.index({Slice(), -1})), next_state};
}

torch::Tensor response_log_probs(PolicyModel& model, const torch::Tensor& prompts,
                                 const torch::Tensor& responses, double temperature) {
  using torch::indexing::Slice;
  const int64_t prompt_length = prompts.size(1);
  const torch::Tensor tokens = torch::cat({prompts, responses}, 1);
  // Position p predicts token p + 1: the response's predictions start at the prompt's last token.
  const torch::Tensor logits = model->forward(tokens.index({Slice(), Slice(0, -1)}))
                                   .index({Slice(), Slice(prompt_length - 1)});
  const torch::Tensor log_probs = torch::log_softmax(logits / temperature, -1);
  return log_probs.gather(-1, responses.unsqueeze(-1)).squeeze(-1);
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

}  // namespace rlloss::train
