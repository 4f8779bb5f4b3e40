#include "trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <rlloss/torch_loss.hpp>
#include <string>

#include "grpo.hpp"
#include "model.hpp"
#include "sampler.hpp"
#include "task.hpp"

namespace rlloss::train {

namespace {

using Clock = std::chrono::steady_clock;
using torch::indexing::Slice;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double cpu_seconds() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

torch::Tensor flat_parameters(const torch::nn::Module& module) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : module.parameters()) parts.push_back(p.detach().reshape({-1}));
  return torch::cat(parts).clone();
}

// The step's rollout on this rank, scored, with group-normalised token advantages.
struct ScoredRollout {
  Rollout rollout;
  torch::Tensor rewards;     // [B] float64
  torch::Tensor exact;       // [B] float64, 1 for a perfect answer
  torch::Tensor advantages;  // [B, R] float32, zero past the mask
};

ScoredRollout collect(const TrainConfig& c, PolicyModel& model, const std::vector<Digits>& prompts,
                      const std::vector<int64_t>& mine, int64_t step) {
  const int64_t n = c.rollout_n;
  const int64_t length = c.response_length();
  // The step's uniforms for the whole global batch, then this rank's rows of them.
  at::Generator generator =
      at::make_generator<at::CPUGeneratorImpl>(c.seed * 1000003ULL + static_cast<uint64_t>(step));
  const torch::Tensor all_uniforms =
      torch::rand({static_cast<int64_t>(prompts.size()) * n, length}, generator, torch::kFloat64);
  std::vector<Digits> my_prompts;
  std::vector<int64_t> rows;
  for (const int64_t g : mine) {
    my_prompts.push_back(prompts[static_cast<size_t>(g)]);
    for (int64_t k = 0; k < n; ++k) rows.push_back(g * n + k);
  }
  const torch::Tensor uniforms = all_uniforms.index_select(0, torch::tensor(rows, torch::kInt64));

  ScoredRollout out;
  out.rollout = sample_responses(model, encode_prompts(my_prompts, n, c.task.max_digits), uniforms,
                                 c.temperature);
  const int64_t batch = static_cast<int64_t>(rows.size());
  out.rewards = torch::zeros({batch}, torch::kFloat64);
  out.exact = torch::zeros({batch}, torch::kFloat64);
  auto responses = out.rollout.responses.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> response(static_cast<size_t>(length));
    for (int64_t t = 0; t < length; ++t) response[static_cast<size_t>(t)] = responses[b][t];
    const Digits& prompt = my_prompts[static_cast<size_t>(b / n)];
    out.rewards[b] = reversal_reward(prompt, response);
    out.exact[b] = is_exact(prompt, response) ? 1.0 : 0.0;
  }
  out.advantages = group_normalised_advantages(out.rewards, n).to(torch::kFloat32).unsqueeze(1) *
                   out.rollout.response_mask;
  return out;
}

}  // namespace

std::vector<int64_t> local_prompt_indices(int64_t batch, int64_t mini_batch, int rank,
                                          int world_size) {
  const int64_t per_rank = mini_batch / world_size;
  std::vector<int64_t> mine;
  for (int64_t start = 0; start < batch; start += mini_batch) {
    for (int64_t k = 0; k < per_rank; ++k) mine.push_back(start + rank * per_rank + k);
  }
  return mine;
}

TrainResult train_policy(const TrainConfig& c, const Loss& loss, Communicator& comm,
                         TrainerState& state, const RunControl& control) {
  check_train_config(c, comm.world_size());
  if (c.num_threads > 0) torch::set_num_threads(c.num_threads);
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  const int world = comm.world_size();
  const double world_d = static_cast<double>(world);

  PolicyModel& model = state.model;
  torch::optim::AdamW& optimizer = state.optimizer;
  std::vector<torch::Tensor> parameters = model->parameters();
  {
    torch::NoGradGuard no_grad;
    comm.broadcast_from_rank0(parameters);
  }
  const std::vector<int64_t> mine =
      local_prompt_indices(c.train_batch_size, c.ppo_mini_batch_size, comm.rank(), world);
  const int64_t local_mini_rows = c.ppo_mini_batch_size / world * c.rollout_n;
  const int64_t mini_batches = c.train_batch_size / c.ppo_mini_batch_size;
  const auto elapsed = [&] { return state.elapsed_s + seconds_since(start); };
  const auto cpu_used = [&] { return state.cpu_s + cpu_seconds() - cpu_start; };

  TrainResult result;
  for (int64_t step = state.steps_done + 1; step <= c.total_training_steps; ++step) {
    const auto step_start = Clock::now();
    const std::vector<Digits> prompts = make_prompts(c.task, c.train_batch_size, state.prompt_rng);
    ScoredRollout data = collect(c, model, prompts, mine, step);
    const torch::Tensor& mask = data.rollout.response_mask;
    torch::Tensor old_log_prob;
    {
      torch::NoGradGuard no_grad;
      old_log_prob =
          response_log_probs(model, data.rollout.prompts, data.rollout.responses, c.temperature);
    }
    const double sample_s = seconds_since(step_start);

    std::map<std::string, double> plugin_sums;
    double loss_sum = 0, grad_norm_sum = 0, kl_sum = 0;
    int64_t updates = 0;
    for (int64_t epoch = 0; epoch < c.ppo_epochs; ++epoch) {
      for (int64_t k = 0; k < mini_batches; ++k) {
        const Slice rows(k * local_mini_rows, (k + 1) * local_mini_rows);
        const torch::Tensor mb_mask = mask.index({rows});
        const torch::Tensor log_prob =
            response_log_probs(model, data.rollout.prompts.index({rows}),
                               data.rollout.responses.index({rows}), c.temperature);
        std::vector<torch::Tensor> counts{torch::stack(
            {mb_mask.sum().to(torch::kFloat64), (mb_mask.sum(1) > 0).sum().to(torch::kFloat64)})};
        comm.all_reduce_sum(counts);

        LossInputs inputs;
        inputs.log_prob = log_prob;
        inputs.old_log_prob = old_log_prob.index({rows});
        inputs.advantages = data.advantages.index({rows});
        inputs.response_mask = mb_mask;
        inputs.normalisers.global_token_count = std::llround(counts[0][0].item<double>());
        inputs.normalisers.global_seq_count = std::llround(counts[0][1].item<double>());
        inputs.normalisers.dp_size = world;
        const LossOutput out = compute_loss(loss, inputs);

        optimizer.zero_grad();
        out.loss.backward();
        std::vector<torch::Tensor> grads;
        for (auto& p : parameters) grads.push_back(p.grad());
        comm.all_reduce_sum(grads);
        for (auto& g : grads) g.div_(world_d);
        const double grad_norm = c.grad_clip > 0
                                     ? torch::nn::utils::clip_grad_norm_(parameters, c.grad_clip)
                                     : torch::nn::utils::clip_grad_norm_(parameters, 1e30);
        optimizer.step();

        ++updates;
        loss_sum += out.loss.item<double>();
        grad_norm_sum += grad_norm;
        kl_sum += ((inputs.old_log_prob - log_prob.detach()) * mb_mask).sum().item<double>() /
                  std::max<double>(1.0, counts[0][0].item<double>());
        for (const auto& [name, value] : out.metrics) plugin_sums[name] += value.item<double>();
      }
    }

    const int stop_signal = control.stop_requested ? control.stop_requested() : 0;
    // Batch statistics over every rank's rollout; per-rank averages of the update statistics.
    std::vector<torch::Tensor> sums{torch::tensor(
        {data.rewards.sum().item<double>(), data.rewards.square().sum().item<double>(),
         data.exact.sum().item<double>(), mask.sum().item<double>(),
         static_cast<double>(data.rewards.size(0)), loss_sum / updates, kl_sum / updates,
         static_cast<double>(stop_signal), stop_signal != 0 ? 1.0 : 0.0},
        torch::kFloat64)};
    std::vector<std::string> plugin_names;
    std::vector<double> plugin_values;
    for (const auto& [name, value] : plugin_sums) {
      plugin_names.push_back(name);
      plugin_values.push_back(value / updates);
    }
    if (!plugin_values.empty()) sums.push_back(torch::tensor(plugin_values, torch::kFloat64));
    comm.all_reduce_sum(sums);
    const double count = sums[0][4].item<double>();
    const double reward_mean = sums[0][0].item<double>() / count;

    StepMetrics m;
    m.set("step", static_cast<double>(step));
    m.set("reward/mean", reward_mean);
    m.set("reward/std",
          std::sqrt(std::max(0.0, sums[0][1].item<double>() / count - reward_mean * reward_mean)));
    m.set("reward/exact_frac", sums[0][2].item<double>() / count);
    m.set("response/length_mean", sums[0][3].item<double>() / count);
    m.set("actor/loss", sums[0][5].item<double>() / world_d);
    // Each rank's share is already divided by the global token count: the sum is the mean.
    m.set("actor/kl_old_new", sums[0][6].item<double>());
    m.set("actor/grad_norm", grad_norm_sum / updates);
    m.set("actor/updates", static_cast<double>(updates));
    for (size_t i = 0; i < plugin_names.size(); ++i) {
      m.set("loss/" + plugin_names[i], sums[1][static_cast<int64_t>(i)].item<double>() / world_d);
    }
    m.set("timing/sample_s", sample_s);
    m.set("timing/step_s", seconds_since(step_start));
    m.set("timing/elapsed_s", elapsed());
    m.set("timing/cpu_s", cpu_used());
    state.history.push_back(m);
    state.steps_done = step;
    if (control.on_step) control.on_step(step, m);

    // Any rank's stop request reached every rank through the sums above; a rank not signalled
    // itself reports the (mean) signal of those that were.
    if (const double asking = sums[0][8].item<double>(); asking > 0) {
      result.stop_signal =
          stop_signal != 0 ? stop_signal : static_cast<int>(sums[0][7].item<double>() / asking);
    }
    const bool last = step == c.total_training_steps;
    const bool due = c.checkpoint_interval > 0 && (step % c.checkpoint_interval == 0 || last);
    if (comm.rank() == 0 && control.save_checkpoint && (due || result.stop_signal != 0)) {
      control.save_checkpoint(state);
    }
    if (result.stop_signal != 0) break;
  }
  result.history = state.history;
  result.parameters = flat_parameters(*model);
  result.wall_s = elapsed();
  result.cpu_s = cpu_used();
  return result;
}

TrainResult train_policy(const TrainConfig& config, const Loss& loss, Communicator& comm,
                         const StepCallback& on_step) {
  TrainerState state(config);
  RunControl control;
  control.on_step = on_step;
  return train_policy(config, loss, comm, state, control);
}

}  // namespace rlloss::train
