// CISPO (Clipped IS-weight Policy Optimization, MiniMax-M1, arXiv 2506.13585) as verl's `cispo`
// loss mode (verl-project/verl verl/trainer/ppo/core_algos.py, compute_policy_loss_cispo, at
// commit 018f23b5f83a13340421349e40ec42530739b23a).
//
// r = exp(clamp(log_prob - old_log_prob, -20, 20)); the clipped weight w = clip(r, 1 - low,
// 1 + high) is detached and multiplies log_prob: l = -sg(w) * A * log_prob, so
// dl/dlog_prob = -w * A. Unlike PPO, a token whose ratio is clipped keeps its gradient (scaled by
// the bound). The gradient holds w constant, so it is not the derivative of the loss value
// (RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT). Defaults are verl's: the actor's clip_ratio, 0.2.
#pragma once

#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/clip_args.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace rlloss::cispo {

struct CispoMath : kit::StartsWithImportanceRatio {
  static constexpr const char* kName = "cispo";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Clipped IS-weight Policy Optimization: the clipped ratio, detached, weights the policy "
      "gradient of every token (verl's cispo)";

  struct Args : kit::ClipRange {};

  static constexpr auto kArgs = std::make_tuple(
      kit::clip_ratio_arg<Args>(
          "clip range epsilon; the IS weight is clipped to [1 - low, 1 + high]"),
      kit::clip_ratio_low_arg<Args>("lower clip range of the IS weight; defaults to clip_ratio"),
      kit::clip_ratio_high_arg<Args>("upper clip range of the IS weight; defaults to clip_ratio"));

  static constexpr bool kSurrogateGradient = true;

  template <class C>
  struct Params {
    C ratio_low, ratio_high;
  };

  template <class C>
  static Params<C> make_params(const Args& args) {
    return {C(args.low_bound()), C(args.high_bound())};
  }

  static std::string warning(const Args&) { return ""; }

  enum Term { kLogRatio, kClipped, kRatio, kWeight, kNumTermsEnum };
  static constexpr int kNumTerms = kNumTermsEnum;

  static constexpr kit::Metric kMetrics[] = {
      kit::negated_mean("ppo_kl", kLogRatio), kit::mean_of("pg_clipfrac", kClipped),
      kit::mean_of("ratio_mean", kRatio), kit::mean_of("is_weight_mean", kWeight)};

  template <class C>
  using Token = kit::TokenResult<C, kNumTerms>;
  // finish() is written with kit::select and auto masks, so the CPU pass also runs it on vectors;
  // start(), the importance ratio, comes from the base, and the vector loop runs it one step ahead.
  static constexpr bool kVectorToken = true;

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> finish(const Params<C>& p,
                                              const kit::RatioStart<C>& started) {
    // Copies, which GCC keeps in registers (see kit::ImportanceRatio). The ratio's clamp is
    // ignored: the weight is detached, so no gradient flows through the ratio or its clamp.
    const C log_ratio = started.log_ratio, ratio = started.ratio, log_prob = started.log_prob,
            advantage = started.advantage;
    const C weight = kit::max_value(kit::min_value(ratio, p.ratio_high), p.ratio_low);
    Token<C> t;
    t.loss = -weight * advantage * log_prob;
    t.dloss = -weight * advantage;
    t.terms[kLogRatio] = log_ratio;
    t.terms[kClipped] = kit::select(weight != ratio, C(1), C(0));
    t.terms[kRatio] = ratio;
    t.terms[kWeight] = weight;
    return t;
  }
};

}  // namespace rlloss::cispo
