// GPG, verl's `gpg` policy loss (verl-project/verl verl/trainer/ppo/core_algos.py,
// compute_policy_loss_gpg, at commit 1dda039b9c6311889a9c9a26040677e1254814f9): the plain policy
// gradient l = -A * log_prob, times the rollout IS weight when given, aggregated by loss_agg_mode.
// No ratio and no clip: dl/dlog_prob = -A, the true derivative.
//
// verl reports no metric for gpg; this plugin reports ppo_kl (the masked mean of
// old_log_prob - log_prob), which verl's other losses report, so runs stay comparable on one chart.
#pragma once

#include <rlloss/kit/args.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace rlloss::gpg {

struct GpgMath {
  static constexpr const char* kName = "gpg";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "plain policy gradient -A * log_prob (verl's gpg; ppo_kl is reported though verl reports "
      "nothing)";

  struct Args {};
  static constexpr auto kArgs = std::make_tuple();

  template <class C>
  struct Params {};

  template <class C>
  static Params<C> make_params(const Args&) {
    return {};
  }

  static std::string warning(const Args&) { return ""; }

  enum Term { kNegLogRatio, kNumTermsEnum };
  static constexpr int kNumTerms = kNumTermsEnum;
  static constexpr kit::Metric kMetrics[] = {kit::mean_of("ppo_kl", kNegLogRatio)};

  template <class C>
  using Token = kit::TokenResult<C, kNumTerms>;
  static constexpr bool kVectorToken = true;

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> token(const Params<C>&, C log_prob, C old_log_prob,
                                             C advantage) {
    Token<C> t;
    t.loss = -advantage * log_prob;
    t.dloss = -advantage;
    t.terms[kNegLogRatio] = old_log_prob - log_prob;
    return t;
  }
};

}  // namespace rlloss::gpg
