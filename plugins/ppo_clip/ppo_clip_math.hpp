// Clipped PPO with dual clip, as verl's `vanilla` policy loss: the per-token math and the schema.
// See plugins/sapo/sapo_math.hpp for what a Math type provides.
#pragma once

#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/clip_args.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace rlloss::ppo_clip {

struct PpoClipMath : kit::StartsWithImportanceRatio {
  static constexpr const char* kName = "ppo_clip";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "clipped PPO surrogate with dual clip for negative advantages (verl's vanilla)";

  struct Args : kit::ClipRange {
    double clip_ratio_c = 0;
  };

  static constexpr auto kArgs = std::make_tuple(
      kit::clip_ratio_arg<Args>("clip range epsilon; the ratio is clipped to [1 - low, 1 + high]"),
      kit::clip_ratio_low_arg<Args>("lower clip range; defaults to clip_ratio"),
      kit::clip_ratio_high_arg<Args>("upper clip range; defaults to clip_ratio"),
      kit::float_arg(RLLOSS_ARG_MEMBER(Args, clip_ratio_c),
                     "dual-clip bound: for negative advantages the loss is at most -A * "
                     "clip_ratio_c",
                     3.0, kit::above(1)));

  template <class C>
  struct Params {
    C ratio_low, ratio_high, clip_ratio_c;
  };

  template <class C>
  static Params<C> make_params(const Args& args) {
    return {C(args.low_bound()), C(args.high_bound()), C(args.clip_ratio_c)};
  }

  static std::string warning(const Args&) { return ""; }

  enum Term { kLogRatio, kClipped, kClippedLower, kRatio, kNumTermsEnum };
  static constexpr int kNumTerms = kNumTermsEnum;

  static constexpr kit::Metric kMetrics[] = {
      kit::negated_mean("ppo_kl", kLogRatio), kit::mean_of("pg_clipfrac", kClipped),
      kit::mean_of("pg_clipfrac_lower", kClippedLower), kit::mean_of("ratio_mean", kRatio)};

  template <class C>
  using Token = kit::TokenResult<C, kNumTerms>;
  // finish() is written with kit::select and auto masks, so the CPU pass also runs it on vectors;
  // start(), the importance ratio, comes from the base, and the vector loop runs it one step ahead.
  static constexpr bool kVectorToken = true;

  // l1 = -A r, l2 = -A clip(r, 1 - low, 1 + high), l = max(l1, l2); for A < 0 also
  // l = min(l, -A c). The gradient follows the branch autograd takes.
  //
  // Written without a select on the sign of A: the dual bound is max(-A c, 0), which is -A c for
  // A < 0, and for A >= 0 is 0 >= max(l1, l2) (r > 0), so min(l, bound) = l there. Both max and min
  // are one instruction each on the vector path, where a select is three on AVX2.
  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> finish(const Params<C>& p,
                                              const kit::RatioStart<C>& started) {
    // Copies, which GCC keeps in registers (see kit::ImportanceRatio).
    const C log_ratio = started.log_ratio, ratio = started.ratio, passes = started.passes,
            advantage = started.advantage;
    const C clipped_ratio = kit::max_value(kit::min_value(ratio, p.ratio_high), p.ratio_low);
    const C unclipped_loss = -advantage * ratio;
    const C clipped_loss = -advantage * clipped_ratio;
    const auto clip_active = clipped_loss > unclipped_loss;
    const C clip1 = kit::max_value(unclipped_loss, clipped_loss);
    const C dual_bound = kit::max_value(-advantage * p.clip_ratio_c, C(0));
    const auto dual_active = clip1 > dual_bound;
    Token<C> t;
    t.loss = kit::min_value(clip1, dual_bound);
    t.dloss = kit::select(clip_active | dual_active, C(0), -advantage * ratio * passes);
    t.terms[kLogRatio] = log_ratio;
    t.terms[kClipped] = kit::select(clip_active, C(1), C(0));
    t.terms[kClippedLower] = kit::select(dual_active, C(1), C(0));
    t.terms[kRatio] = ratio;
    return t;
  }
};

}  // namespace rlloss::ppo_clip
