// Loads the installed plugins, creates `loss_mode` (default sapo) with its defaults and one
// override, and takes one gradient of the loss of a random batch through LibTorch's autograd.
// Usage: torch_host [loss_mode]
#include <torch/torch.h>

#include <iostream>
#include <rlloss/registry.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>

int main(int argc, char** argv) try {
  const std::string loss_mode = argc > 1 ? argv[1] : "sapo";
  rlloss::Registry registry;
  registry.load_search_path();
  rlloss::LossArgs args = registry.default_args(loss_mode);
  args.set_string("loss_agg_mode", "seq-mean-token-mean", "torch_host");
  const auto loss = registry.create(loss_mode, args);

  torch::manual_seed(0);
  const auto options = torch::TensorOptions().dtype(torch::kFloat64);
  rlloss::LossInputs inputs;
  inputs.log_prob = (-torch::rand({4, 16}, options)).requires_grad_();
  inputs.old_log_prob = inputs.log_prob.detach() + 0.05 * torch::randn({4, 16}, options);
  inputs.advantages = torch::randn({4, 1}, options).expand({4, 16}).contiguous();
  inputs.response_mask = torch::rand({4, 16}, options) > 0.2;
  const rlloss::LossOutput output = rlloss::compute_loss(*loss, inputs);
  output.loss.backward();

  std::cout << "plugin " << loss->name() << " from " << loss->plugin().path().string() << "\n"
            << "loss " << output.loss.item<double>() << "\n"
            << "grad_norm " << inputs.log_prob.grad().norm().item<double>() << "\n";
  for (const auto& [name, value] : output.metrics) {
    std::cout << name << " " << value.item<double>() << "\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "torch_host: " << e.what() << "\n";
  return 1;
}
