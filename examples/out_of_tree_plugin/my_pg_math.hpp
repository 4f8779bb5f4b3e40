// An out-of-tree example loss, `my_pg`: the plain policy gradient l = -A * log_prob, times the
// rollout IS weight when given, aggregated by loss_agg_mode (verl's gpg formula, which rlloss also
// ships as the `gpg` plugin; this copy shows what a loss written outside the tree looks like).
// No ratio, no clip: d l / d log_prob = -A.
#pragma once

#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace my_pg_example {

struct MyPgMath {
  static constexpr const char* kName = "my_pg";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "plain policy gradient -A * log_prob; an out-of-tree example plugin";

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
  // ppo_kl: the masked mean of old_log_prob - log_prob.
  static constexpr rlloss::kit::Metric kMetrics[] = {rlloss::kit::mean_of("ppo_kl", kNegLogRatio)};

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
};

}  // namespace my_pg_example
