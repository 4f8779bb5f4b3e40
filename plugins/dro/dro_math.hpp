// DRO (Direct Reward Optimization with a quadratic log-ratio penalty), verl's `dro` policy loss
// (verl-project/verl verl/trainer/ppo/core_algos.py, compute_policy_loss_dro, at commit
// 1dda039b9c6311889a9c9a26040677e1254814f9):
//   l = -(log_prob * A - beta / 2 * (log_prob - old_log_prob)^2),
//   dl/dlog_prob = -A + beta * (log_prob - old_log_prob), the true derivative.
// As in verl, the log-ratio is not clamped, and dro_beta has no default: a run that does not set
// policy_loss.dro_beta is refused, naming it (verl raises "policy_loss.dro_beta must be a positive
// value when using DRO").
#pragma once

#include <rlloss/kit/args.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace rlloss::dro {

struct DroMath {
  static constexpr const char* kName = "dro";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Direct Reward Optimization: the policy gradient with a quadratic log-ratio penalty "
      "(verl's dro; dro_beta has no default, as in verl)";

  struct Args {
    double dro_beta = 0;
  };
  static constexpr auto kArgs = std::make_tuple(kit::required_float_arg(
      RLLOSS_ARG_MEMBER(Args, dro_beta),
      "weight of the quadratic penalty beta / 2 * (log_prob - old_log_prob)^2; no default",
      kit::kPositive));

  template <class C>
  struct Params {
    C beta;
  };

  template <class C>
  static Params<C> make_params(const Args& args) {
    return {C(args.dro_beta)};
  }

  static std::string warning(const Args&) { return ""; }

  enum Term { kLogRatio, kNumTermsEnum };
  static constexpr int kNumTerms = kNumTermsEnum;
  static constexpr kit::Metric kMetrics[] = {kit::negated_mean("ppo_kl", kLogRatio)};

  template <class C>
  using Token = kit::TokenResult<C, kNumTerms>;
  static constexpr bool kVectorToken = true;

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> token(const Params<C>& p, C log_prob, C old_log_prob,
                                             C advantage) {
    const C log_ratio = log_prob - old_log_prob;
    const C penalty_slope = p.beta * log_ratio;
    Token<C> t;
    t.loss = C(0.5) * penalty_slope * log_ratio - log_prob * advantage;
    t.dloss = penalty_slope - advantage;
    t.terms[kLogRatio] = log_ratio;
    return t;
  }
};

}  // namespace rlloss::dro
