// GSPO (Group Sequence Policy Optimization, arXiv 2507.18071) as verl's `gspo` loss mode
// (verl-project/verl verl/trainer/ppo/core_algos.py, compute_policy_loss_gspo, at commit
// 018f23b5f83a13340421349e40ec42530739b23a).
//
// The sequence ratio s_b = exp(masked mean over row b of log_prob - old_log_prob) comes from the
// kit's row pre-pass. Per token, as verl: log s_bt = log_prob - sg(log_prob) + sg(log s_b),
// clamped above at 10; l1 = -A s, l2 = -A clip(s, 1 - low, 1 + high), l = max(l1, l2). The value
// of s_bt is s_b; its gradient with respect to log_prob_t is s_b (the sequence ratio itself is
// held constant), zero above the clamp or where the clip is active. So the gradient is not the
// derivative of the loss value (RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT).
//
// verl hard-codes seq-mean-token-mean for gspo whatever loss_agg_mode says; here it is the
// default and the other modes stay available. verl's clip defaults are the actor's clip_ratio
// (0.2), as here; the GSPO paper and verl's GSPO recipe use clip_ratio_low 3e-4 and
// clip_ratio_high 4e-4, set in the YAML.
#pragma once

#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/clip_args.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace rlloss::gspo {

struct GspoMath {
  static constexpr const char* kName = "gspo";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "Group Sequence Policy Optimization: PPO's clip on the sequence ratio (verl's gspo; verl "
      "always aggregates it seq-mean-token-mean, the default here)";

  struct Args : kit::ClipRange {};

  static constexpr auto kArgs = std::make_tuple(
      kit::clip_ratio_arg<Args>(
          "clip range epsilon; the sequence ratio is clipped to [1 - low, 1 + high]"),
      kit::clip_ratio_low_arg<Args>(
          "lower clip range; defaults to clip_ratio (the GSPO paper uses 3e-4)"),
      kit::clip_ratio_high_arg<Args>(
          "upper clip range; defaults to clip_ratio (the GSPO paper uses 4e-4)"));
  static constexpr const char* kDefaultAggMode = "seq-mean-token-mean";

  static constexpr bool kRowLogRatio = true;
  static bool uses_row_log_ratio(const Args&) { return true; }
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

  enum Term { kNegLogRatio, kClipped, kSeqRatio, kNumTermsEnum };
  static constexpr int kNumTerms = kNumTermsEnum;

  static constexpr kit::Metric kMetrics[] = {kit::mean_of("ppo_kl", kNegLogRatio),
                                             kit::mean_of("pg_clipfrac", kClipped),
                                             kit::mean_of("seq_ratio_mean", kSeqRatio)};

  template <class C>
  using Token = kit::TokenResult<C, kNumTerms>;
  // token() is written with kit::select and auto masks, so the CPU pass also runs it on vectors.
  static constexpr bool kVectorToken = true;

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> token(const Params<C>& p, C log_prob, C old_log_prob,
                                             C advantage, C row_log_ratio) {
    // verl clamps the sequence log-ratio above only, at 10; the gradient stops there.
    const C log_s = kit::min_value(row_log_ratio, C(10));
    const C passes = kit::select(row_log_ratio <= C(10), C(1), C(0));
    const C s = kit::fast_exp(log_s);
    const C clipped_s = kit::max_value(kit::min_value(s, p.ratio_high), p.ratio_low);
    const C unclipped_loss = -advantage * s;
    const C clipped_loss = -advantage * clipped_s;
    const auto clip_active = clipped_loss > unclipped_loss;
    Token<C> t;
    t.loss = kit::select(clip_active, clipped_loss, unclipped_loss);
    t.dloss = kit::select(clip_active, C(0), -advantage * s * passes);
    // verl's ppo_kl: the token's unclamped log-ratio.
    t.terms[kNegLogRatio] = old_log_prob - log_prob;
    t.terms[kClipped] = kit::select(clip_active, C(1), C(0));
    t.terms[kSeqRatio] = s;
    return t;
  }
};

}  // namespace rlloss::gspo
