// GPG, verl's `gpg` policy loss (verl-project/verl, verl/trainer/ppo/core_algos.py at
// 018f23b5f83a13340421349e40ec42530739b23a, compute_policy_loss_gpg): the plain policy gradient
// l = -A * log_prob, times the rollout IS weight when given, aggregated by loss_agg_mode.
// No ratio, no clip: d l / d log_prob = -A.
#pragma once

#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace gpg_example {

struct GpgMath {
  static constexpr const char* kName = "gpg";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "plain policy gradient -A * log_prob (verl's gpg); an out-of-tree example plugin";

  // verl returns no metric for gpg; ppo_kl is the masked mean of old_log_prob - log_prob.
  static constexpr const char* kMetricNames[] = {"ppo_kl"};

  // No argument of its own: loss_agg_mode and loss_scale_factor come with the kit.
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

  template <class C>
  static RLLOSS_ALWAYS_INLINE rlloss::kit::TokenResult<C, kNumTerms> token(const Params<C>&,
                                                                           C log_prob,
                                                                           C old_log_prob,
                                                                           C advantage) {
    rlloss::kit::TokenResult<C, kNumTerms> t;
    t.loss = -advantage * log_prob;
    t.dloss = -advantage;
    t.terms[kNegLogRatio] = old_log_prob - log_prob;
    return t;
  }

  RLLOSS_HOST_DEVICE static void finalize(const double* sums, double tokens, double* metrics) {
    metrics[0] = rlloss::kit::ratio_or_zero(sums[kNegLogRatio], tokens);
  }
};

}  // namespace gpg_example
