// The float64 reference: DESIGN.md's formulas as LibTorch ops, the gradient by autograd.
#include "reference_loss.hpp"

#include <functional>
#include <rlloss/registry.hpp>
#include <utility>

namespace rlloss::reference {
namespace {

constexpr double kLogRatioClamp = 20.0;

// The inputs in float64 with every masked position replaced by 0, so that no NaN or inf stored
// there can reach a result (0 * NaN is NaN), and the mask as float64 0/1.
struct MaskedInputs {
  torch::Tensor log_prob_leaf;  // the variable we differentiate with respect to (unmasked values)
  torch::Tensor log_prob, old_log_prob, advantages, weights, mask, on;
};

torch::Tensor masked_float64(const torch::Tensor& t, const torch::Tensor& on) {
  const torch::Tensor values = t.to(torch::kFloat64);
  return torch::where(on, values, torch::zeros_like(values));
}

MaskedInputs prepare(const LossInputs& inputs) {
  MaskedInputs m;
  m.on = inputs.response_mask.to(torch::kFloat64) != 0;
  m.mask = m.on.to(torch::kFloat64);
  m.log_prob_leaf = inputs.log_prob.detach().to(torch::kFloat64).clone().requires_grad_(true);
  m.log_prob = torch::where(m.on, m.log_prob_leaf, torch::zeros_like(m.log_prob_leaf));
  m.old_log_prob = masked_float64(inputs.old_log_prob.detach(), m.on);
  m.advantages = masked_float64(inputs.advantages.detach(), m.on);
  m.weights = inputs.rollout_is_weights ? masked_float64(inputs.rollout_is_weights->detach(), m.on)
                                        : torch::ones_like(m.mask);
  return m;
}

// Masked mean of `values` over the positions where `selected` (0/1) is 1; 0 when none are.
double masked_mean(const torch::Tensor& values, const torch::Tensor& selected) {
  const double count = selected.sum().item<double>();
  return count > 0 ? (values * selected).sum().item<double>() / count : 0.0;
}

// Per-token loss matrix (before masking) and the metrics of one loss.
struct TokenLosses {
  torch::Tensor loss;
  std::map<std::string, double> metrics;
};

// Each row's masked mean of log_prob - old_log_prob ([B, 1]; 0 for an empty row), held constant.
torch::Tensor sequence_log_ratio(const MaskedInputs& in) {
  const torch::NoGradGuard no_grad;
  const torch::Tensor lengths = in.mask.sum(-1, /*keepdim=*/true).clamp_min(1);
  return ((in.log_prob - in.old_log_prob) * in.mask).sum(-1, /*keepdim=*/true) / lengths;
}

// GSPO's token-level sequence ratio (verl core_algos.py at 018f23b5): value the row's log-ratio,
// gradient that of log_prob: log s_bt = log_prob - sg(log_prob) + sg(log s_b), then clamped.
torch::Tensor sequence_log_ratio_per_token(const MaskedInputs& in) {
  return in.log_prob - in.log_prob.detach() + sequence_log_ratio(in);
}

TokenLosses sapo_losses(const LossArgs& args, const MaskedInputs& in,
                        const torch::Tensor& token_log_ratio, const torch::Tensor& token_ratio) {
  // importance_sampling_level sequence: the gate acts on the sequence ratio (TRL), with GSPO's
  // stop-gradient form and the same [-20, 20] clamp as a token's log-ratio.
  const bool sequence = args.string("importance_sampling_level") == "sequence";
  const torch::Tensor ratio = sequence ? torch::exp(torch::clamp(sequence_log_ratio_per_token(in),
                                                                 -kLogRatioClamp, kLogRatioClamp))
                                       : token_ratio;
  const torch::Tensor log_ratio =
      sequence
          ? torch::clamp(sequence_log_ratio(in), -kLogRatioClamp, kLogRatioClamp).expand_as(in.mask)
          : token_log_ratio;
  const torch::Tensor& a = in.advantages;
  const torch::Tensor positive = (a > 0).to(torch::kFloat64);
  const torch::Tensor negative = (a < 0).to(torch::kFloat64);
  const torch::Tensor tau = torch::where(a > 0, torch::full_like(a, args.number("tau_pos")),
                                         torch::full_like(a, args.number("tau_neg")));
  const torch::Tensor z = tau * (ratio - 1);
  const torch::Tensor gate = torch::sigmoid(z) * 4 / tau;

  TokenLosses out;
  out.loss = -gate * a;
  const torch::NoGradGuard no_grad;
  const torch::Tensor grad_weight = 4 * torch::sigmoid(z) * torch::sigmoid(-z) * ratio;
  const torch::Tensor pg_loss = -a * ratio;
  const torch::Tensor clipped_pg_loss = -a * torch::clamp(ratio, 1 - args.number("clip_ratio_low"),
                                                          1 + args.number("clip_ratio_high"));
  const torch::Tensor& m = in.mask;
  out.metrics["ppo_kl"] = masked_mean(-log_ratio, m);
  out.metrics["gate_mean"] = masked_mean(gate, m);
  out.metrics["gate_pos_mean"] = masked_mean(gate, m * positive);
  out.metrics["gate_neg_mean"] = masked_mean(gate, m * negative);
  out.metrics["grad_weight_mean"] = masked_mean(grad_weight, m);
  out.metrics["ratio_mean"] = masked_mean(ratio, m);
  out.metrics["pos_adv_frac"] = masked_mean(positive, m);
  out.metrics["pg_clipfrac"] = masked_mean((clipped_pg_loss > pg_loss).to(torch::kFloat64), m);
  return out;
}

// verl's vanilla policy loss (compute_policy_loss_vanilla) with dual clip.
TokenLosses ppo_clip_losses(const LossArgs& args, const MaskedInputs& in,
                            const torch::Tensor& log_ratio, const torch::Tensor& ratio) {
  const torch::Tensor& a = in.advantages;
  const torch::Tensor pg_losses1 = -a * ratio;
  const torch::Tensor pg_losses2 = -a * torch::clamp(ratio, 1 - args.number("clip_ratio_low"),
                                                     1 + args.number("clip_ratio_high"));
  const torch::Tensor clip_pg_losses1 = torch::maximum(pg_losses1, pg_losses2);
  const torch::Tensor pg_losses3 = -a * args.number("clip_ratio_c");
  const torch::Tensor clip_pg_losses2 = torch::minimum(pg_losses3, clip_pg_losses1);

  TokenLosses out;
  out.loss = torch::where(a < 0, clip_pg_losses2, clip_pg_losses1);
  const torch::NoGradGuard no_grad;
  const torch::Tensor& m = in.mask;
  const torch::Tensor negative = (a < 0).to(torch::kFloat64);
  out.metrics["ppo_kl"] = masked_mean(-log_ratio, m);
  out.metrics["pg_clipfrac"] = masked_mean((pg_losses2 > pg_losses1).to(torch::kFloat64), m);
  out.metrics["pg_clipfrac_lower"] =
      masked_mean((clip_pg_losses1 > pg_losses3).to(torch::kFloat64) * negative, m);
  out.metrics["ratio_mean"] = masked_mean(ratio, m);
  return out;
}

// verl's gspo (compute_policy_loss_gspo at 018f23b5): PPO's clip on the sequence ratio, whose
// log is clamped above at 10.
TokenLosses gspo_losses(const LossArgs& args, const MaskedInputs& in, const torch::Tensor&,
                        const torch::Tensor&) {
  const torch::Tensor& a = in.advantages;
  const torch::Tensor s = torch::exp(torch::clamp_max(sequence_log_ratio_per_token(in), 10.0));
  const torch::Tensor pg_losses1 = -a * s;
  const torch::Tensor pg_losses2 =
      -a * torch::clamp(s, 1 - args.number("clip_ratio_low"), 1 + args.number("clip_ratio_high"));
  TokenLosses out;
  out.loss = torch::maximum(pg_losses1, pg_losses2);
  const torch::NoGradGuard no_grad;
  const torch::Tensor& m = in.mask;
  out.metrics["ppo_kl"] = masked_mean(in.old_log_prob - in.log_prob, m);
  out.metrics["pg_clipfrac"] = masked_mean((pg_losses2 > pg_losses1).to(torch::kFloat64), m);
  out.metrics["seq_ratio_mean"] = masked_mean(s, m);
  return out;
}

// verl's cispo (compute_policy_loss_cispo at 018f23b5): the clipped ratio, detached, times
// -A * log_prob.
TokenLosses cispo_losses(const LossArgs& args, const MaskedInputs& in,
                         const torch::Tensor& log_ratio, const torch::Tensor& ratio) {
  const torch::Tensor clipped =
      torch::clamp(ratio, 1 - args.number("clip_ratio_low"), 1 + args.number("clip_ratio_high"))
          .detach();
  TokenLosses out;
  out.loss = -clipped * in.advantages * in.log_prob;
  const torch::NoGradGuard no_grad;
  const torch::Tensor& m = in.mask;
  out.metrics["ppo_kl"] = masked_mean(-log_ratio, m);
  out.metrics["pg_clipfrac"] = masked_mean((ratio != clipped).to(torch::kFloat64), m);
  out.metrics["ratio_mean"] = masked_mean(ratio, m);
  out.metrics["is_weight_mean"] = masked_mean(clipped, m);
  return out;
}

// verl's gpg (compute_policy_loss_gpg at 1dda039b): -A * log_prob. verl reports no metric; the
// plugin adds ppo_kl.
TokenLosses gpg_losses(const LossArgs&, const MaskedInputs& in, const torch::Tensor&,
                       const torch::Tensor&) {
  TokenLosses out;
  out.loss = -in.log_prob * in.advantages;
  const torch::NoGradGuard no_grad;
  out.metrics["ppo_kl"] = masked_mean(in.old_log_prob - in.log_prob, in.mask);
  return out;
}

// verl's dro (compute_policy_loss_dro at 1dda039b): -(log_prob * A - beta / 2 * log_ratio^2),
// the log-ratio unclamped.
TokenLosses dro_losses(const LossArgs& args, const MaskedInputs& in, const torch::Tensor&,
                       const torch::Tensor&) {
  const torch::Tensor log_ratio = in.log_prob - in.old_log_prob;
  TokenLosses out;
  out.loss = -(in.log_prob * in.advantages - 0.5 * args.number("dro_beta") * log_ratio.square());
  const torch::NoGradGuard no_grad;
  out.metrics["ppo_kl"] = masked_mean(-log_ratio, in.mask);
  return out;
}

// verl's dppo_tv and dppo_kl (compute_policy_loss_dppo_tv / _kl at 1dda039b): the truncated
// ratio, detached, times -A * log_prob on the tokens inside the trust region.
TokenLosses dppo_losses(const LossArgs& args, const MaskedInputs& in,
                        const torch::Tensor& log_ratio, const torch::Tensor& ratio,
                        bool binary_kl) {
  const torch::Tensor& a = in.advantages;
  const double low = args.number("clip_ratio_low"), high = args.number("clip_ratio_high");
  const double clip_ratio_c = args.number("clip_ratio_c");
  const torch::Tensor truncated = torch::clamp_max(ratio, clip_ratio_c).detach();
  torch::Tensor valid;
  {
    const torch::NoGradGuard no_grad;
    const torch::Tensor prob = torch::exp(in.log_prob);
    const torch::Tensor old_prob = torch::exp(in.old_log_prob);
    if (binary_kl) {
      const torch::Tensor kl =
          old_prob * (in.old_log_prob - in.log_prob) +
          (1 - old_prob) * torch::log((1.0 - old_prob + 1e-8) / (1.0 - prob + 1e-8));
      valid =
          torch::where(a > 0, (kl <= high) | (prob <= old_prob), (kl <= low) | (prob >= old_prob));
    } else {
      valid = torch::where(a > 0, (prob - old_prob) <= high, (prob - old_prob) >= -low);
    }
    valid = valid.to(torch::kFloat64);
  }
  TokenLosses out;
  out.loss = -a * truncated * in.log_prob * valid;
  const torch::NoGradGuard no_grad;
  const torch::Tensor& m = in.mask;
  out.metrics["ppo_kl"] = masked_mean(-log_ratio, m);
  out.metrics["pg_clipfrac"] = masked_mean(1.0 - valid, m);
  out.metrics["pg_clipfrac_lower"] =
      masked_mean((ratio > clip_ratio_c).to(torch::kFloat64) * valid, m);
  return out;
}

TokenLosses dppo_tv_losses(const LossArgs& args, const MaskedInputs& in,
                           const torch::Tensor& log_ratio, const torch::Tensor& ratio) {
  return dppo_losses(args, in, log_ratio, ratio, /*binary_kl=*/false);
}

TokenLosses dppo_kl_losses(const LossArgs& args, const MaskedInputs& in,
                           const torch::Tensor& log_ratio, const torch::Tensor& ratio) {
  return dppo_losses(args, in, log_ratio, ratio, /*binary_kl=*/true);
}

using TokenLossFn = std::function<TokenLosses(const LossArgs&, const MaskedInputs&,
                                              const torch::Tensor&, const torch::Tensor&)>;

const std::map<std::string, TokenLossFn>& token_loss_fns() {
  static const std::map<std::string, TokenLossFn> fns = {
      {"sapo", sapo_losses},       {"ppo_clip", ppo_clip_losses}, {"gspo", gspo_losses},
      {"cispo", cispo_losses},     {"gpg", gpg_losses},           {"dro", dro_losses},
      {"dppo_tv", dppo_tv_losses}, {"dppo_kl", dppo_kl_losses}};
  return fns;
}

TokenLossFn token_loss_fn(const std::string& loss_mode) {
  const auto found = token_loss_fns().find(loss_mode);
  if (found != token_loss_fns().end()) return found->second;
  std::string known;
  for (const auto& [name, fn] : token_loss_fns()) known += (known.empty() ? "" : ", ") + name;
  throw RegistryError("no reference for loss_mode '" + loss_mode + "'; known: " + known);
}

}  // namespace

bool has_reference(const std::string& loss_mode) {
  return token_loss_fns().count(loss_mode) > 0;
}

torch::Tensor aggregate(const torch::Tensor& loss_matrix, const torch::Tensor& mask,
                        const std::string& loss_agg_mode, const LossNormalisers& normalisers,
                        double loss_scale_factor) {
  const torch::Tensor m = mask.to(torch::kFloat64);
  const torch::Tensor masked = loss_matrix * m;
  const torch::Tensor lengths = m.sum(-1);
  const double local_tokens = lengths.sum().item<double>();
  const double local_sequences = (lengths > 0).sum().item<double>();
  const double tokens =
      normalisers.global_token_count >= 0 ? normalisers.global_token_count : local_tokens;
  const double sequences =
      normalisers.global_seq_count >= 0 ? normalisers.global_seq_count : local_sequences;
  const double dp = static_cast<double>(normalisers.dp_size);
  // An empty sum is 0 whatever it is divided by.
  const auto divide = [](const torch::Tensor& sum, double count) {
    return count > 0 ? sum / count : sum * 0;
  };

  if (loss_agg_mode == "token-mean") return divide(masked.sum(), tokens) * dp;
  if (loss_agg_mode == "token-sum") return masked.sum() * dp;
  if (loss_agg_mode == "seq-mean-token-sum") return divide(masked.sum(-1).sum(), sequences) * dp;
  if (loss_agg_mode == "seq-mean-token-mean") {
    const torch::Tensor seq_losses = masked.sum(-1) / (lengths + 1e-8);
    return divide(seq_losses.sum(), sequences) * dp;
  }
  if (loss_agg_mode == "seq-mean-token-sum-norm") {
    const double scale =
        loss_scale_factor > 0 ? loss_scale_factor : static_cast<double>(loss_matrix.size(-1));
    return divide(masked.sum(-1).sum(), sequences) * dp / (scale > 0 ? scale : 1.0);
  }
  throw RegistryError("reference: unknown loss_agg_mode '" + loss_agg_mode + "'");
}

ReferenceResult reference_loss(const std::string& loss_mode, const LossArgs& args,
                               const LossInputs& inputs) {
  const TokenLossFn token_losses = token_loss_fn(loss_mode);
  const torch::AutoGradMode grad_mode(true);
  const MaskedInputs in = prepare(inputs);
  const torch::Tensor log_ratio =
      torch::clamp(in.log_prob - in.old_log_prob, -kLogRatioClamp, kLogRatioClamp);
  const torch::Tensor ratio = torch::exp(log_ratio);
  TokenLosses losses = token_losses(args, in, log_ratio.detach(), ratio);
  // (cispo detaches the ratio itself; gspo and sapo at sequence level build their own.)
  const torch::Tensor token_loss = losses.loss * in.weights * in.mask;
  const torch::Tensor loss = aggregate(token_loss, in.mask, args.string("loss_agg_mode"),
                                       inputs.normalisers, args.number("loss_scale_factor"));

  ReferenceResult result;
  torch::Tensor grad = torch::autograd::grad({loss}, {in.log_prob_leaf}, /*grad_outputs=*/{},
                                             /*retain_graph=*/false, /*create_graph=*/false,
                                             /*allow_unused=*/true)[0];
  result.grad = grad.defined() ? grad : torch::zeros_like(in.log_prob_leaf);
  result.loss = loss.detach();
  result.token_loss = token_loss.detach();
  result.metrics = std::move(losses.metrics);
  return result;
}

}  // namespace rlloss::reference
