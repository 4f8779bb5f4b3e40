// PPO's clip range as verl names it, declared once for every loss that clips a ratio (ppo_clip,
// gspo, cispo) or reports what PPO would have clipped (sapo): clip_ratio (default 0.2, verl's
// actor default) and clip_ratio_low / clip_ratio_high, which default to it. Each loss passes its
// own doc lines; the names, ranges and defaults live only here.
#pragma once

#include <rlloss/plugin_api.h>

#include <rlloss/kit/aggregation.hpp>  // kInfinity
#include <rlloss/kit/schema.hpp>

namespace rlloss::kit {

inline constexpr double kDefaultClipRatio = 0.2;

inline constexpr rlloss_arg_spec clip_ratio_arg_spec(const char* doc) {
  return {sizeof(rlloss_arg_spec),
          "clip_ratio",
          RLLOSS_ARG_FLOAT,
          doc,
          kDefaultClipRatio,
          nullptr,
          0,
          1,
          1,
          0,
          nullptr,
          0,
          nullptr};
}

inline constexpr rlloss_arg_spec clip_ratio_low_arg_spec(const char* doc) {
  return {sizeof(rlloss_arg_spec),
          "clip_ratio_low",
          RLLOSS_ARG_FLOAT,
          doc,
          kDefaultClipRatio,
          nullptr,
          0,
          1,
          1,
          0,
          nullptr,
          0,
          "clip_ratio"};
}

inline constexpr rlloss_arg_spec clip_ratio_high_arg_spec(const char* doc) {
  return {sizeof(rlloss_arg_spec),
          "clip_ratio_high",
          RLLOSS_ARG_FLOAT,
          doc,
          kDefaultClipRatio,
          nullptr,
          0,
          kInfinity,
          1,
          0,
          nullptr,
          0,
          "clip_ratio"};
}

// The ratio bounds 1 - clip_ratio_low and 1 + clip_ratio_high of resolved arguments.
struct ClipBounds {
  double low;
  double high;
};

inline ClipBounds clip_bounds(const ResolvedArgs& args) {
  return {1.0 - args.number("clip_ratio_low"), 1.0 + args.number("clip_ratio_high")};
}

}  // namespace rlloss::kit
