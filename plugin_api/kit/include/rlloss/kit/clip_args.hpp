// PPO's clip range as verl names it, declared once for every loss that clips a ratio (ppo_clip,
// gspo, cispo) or reports what PPO would have clipped (sapo): clip_ratio (default 0.2, verl's
// actor default) and clip_ratio_low / clip_ratio_high, which default to it. A loss's Args derives
// from ClipRange and lists the three fields with its own doc lines; the names, ranges and defaults
// live only here. clip_ratio_low may be 1 or more: the lower bound 1 - clip_ratio_low is then 0 or
// below, so nothing is clipped from below (verl's CISPO recipe sets clip_ratio_low=10 for that).
#pragma once

#include <rlloss/kit/args.hpp>

namespace rlloss::kit {

inline constexpr double kDefaultClipRatio = 0.2;

struct ClipRange {
  double clip_ratio = 0;
  double clip_ratio_low = 0;
  double clip_ratio_high = 0;

  // The ratio bounds 1 - clip_ratio_low and 1 + clip_ratio_high.
  double low_bound() const { return 1.0 - clip_ratio_low; }
  double high_bound() const { return 1.0 + clip_ratio_high; }
};

template <class Args>
constexpr ArgField<Args, double> clip_ratio_arg(const char* doc) {
  return float_arg(RLLOSS_ARG_MEMBER(Args, clip_ratio), doc, kDefaultClipRatio,
                   {0, 1, true, false});
}

template <class Args>
constexpr ArgField<Args, double> clip_ratio_low_arg(const char* doc) {
  return float_arg(RLLOSS_ARG_MEMBER(Args, clip_ratio_low), doc, kDefaultClipRatio, at_least(0),
                   "clip_ratio");
}

template <class Args>
constexpr ArgField<Args, double> clip_ratio_high_arg(const char* doc) {
  return float_arg(RLLOSS_ARG_MEMBER(Args, clip_ratio_high), doc, kDefaultClipRatio, at_least(0),
                   "clip_ratio");
}

}  // namespace rlloss::kit
