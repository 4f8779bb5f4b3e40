// DPPO (Divergence Proximal Policy Optimization, arXiv 2602.04879) as verl's `dppo_tv` and
// `dppo_kl` policy losses (verl-project/verl verl/trainer/ppo/core_algos.py,
// compute_policy_loss_dppo_tv and compute_policy_loss_dppo_kl, at commit
// 1dda039b9c6311889a9c9a26040677e1254814f9). One Math, two plugins: they differ only in the
// divergence that decides which tokens keep their gradient.
//
// r = exp(clamp(log_prob - old_log_prob, -20, 20)); the truncated ratio t = min(r, clip_ratio_c)
// is detached (truncated importance sampling instead of PPO's dual clip), and a token counts only
// inside the trust region, a detached 0/1 `valid`:
//   l = -A * t * log_prob * valid,   dl/dlog_prob = -A * t * valid.
// The gradient holds t and valid constant, so it is not the derivative of the loss value
// (RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT). With p = exp(log_prob), p_old = exp(old_log_prob):
//   dppo_tv: valid = p - p_old <= clip_ratio_high for A > 0, p - p_old >= -clip_ratio_low else;
//   dppo_kl: with the binary KL
//            kl = p_old (log p_old - log p) + (1 - p_old) log((1 - p_old + 1e-8) / (1 - p + 1e-8)),
//            valid = kl <= clip_ratio_high or p <= p_old for A > 0,
//                    kl <= clip_ratio_low or p >= p_old otherwise.
// clip_ratio_low and clip_ratio_high are divergence thresholds here, not ratio ranges (verl reads
// the same actor keys; its DPPO recipe sets 0.15 for dppo_tv and 0.05 for dppo_kl).
// clip_ratio_c defaults to 3.0, verl's actor default, which is what verl's trainer passes:
// verl's function falls back to 20 only for a config without the key, and the recipe sets 10000.
// Metrics as verl: pg_clipfrac = the fraction outside the region, pg_clipfrac_lower = the
// fraction inside it whose ratio exceeds clip_ratio_c.
//
// 1 - p is computed as -expm1(log_prob), which keeps it accurate near p = 1 in float32 where
// verl's 1 - exp(log_prob) cancels; dppo_kl therefore runs scalar (libm's log and expm1).
#pragma once

#include <rlloss/kit/args.hpp>
#include <rlloss/kit/clip_args.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/scalar_math.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace rlloss::dppo {

// The region's thresholds as the token math reads them.
template <class C>
struct Thresholds {
  C low, high;
};

// Binary total variation: the change of the token's probability.
struct TotalVariation {
  static constexpr const char* kName = "dppo_tv";
  static constexpr const char* kDescription =
      "DPPO-Binary-TV: truncated, detached IS ratio times -A * log_prob, only for tokens whose "
      "probability moved less than clip_ratio_low/high (verl's dppo_tv)";
  static constexpr bool kVectorToken = true;

  template <class C>
  static RLLOSS_ALWAYS_INLINE C inside(const Thresholds<C>& region, C log_prob, C old_log_prob,
                                       C advantage) {
    const C moved = kit::fast_exp(log_prob) - kit::fast_exp(old_log_prob);
    const C up_ok = kit::select(moved <= region.high, C(1), C(0));
    const C down_ok = kit::select(moved >= -region.low, C(1), C(0));
    return kit::select(advantage > C(0), up_ok, down_ok);
  }
};

// Binary KL between the token's old and new Bernoulli (the token, or any other).
struct BinaryKl {
  static constexpr const char* kName = "dppo_kl";
  static constexpr const char* kDescription =
      "DPPO-Binary-KL: truncated, detached IS ratio times -A * log_prob, only for tokens whose "
      "binary KL stays under clip_ratio_low/high or that move against A (verl's dppo_kl)";
  static constexpr bool kVectorToken = false;

  template <class C>
  static RLLOSS_ALWAYS_INLINE C inside(const Thresholds<C>& region, C log_prob, C old_log_prob,
                                       C advantage) {
    const C prob = kit::fast_exp(log_prob);
    const C old_prob = kit::fast_exp(old_log_prob);
    const C rest = -kit::expm1_of(log_prob);
    const C old_rest = -kit::expm1_of(old_log_prob);
    const C kl = old_prob * (old_log_prob - log_prob) +
                 old_rest * kit::log_of((old_rest + C(1e-8)) / (rest + C(1e-8)));
    if (advantage > C(0)) return kl <= region.high || prob <= old_prob ? C(1) : C(0);
    return kl <= region.low || prob >= old_prob ? C(1) : C(0);
  }
};

template <class Divergence>
struct DppoMath {
  static constexpr const char* kName = Divergence::kName;
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = Divergence::kDescription;

  struct Args : kit::ClipRange {
    double clip_ratio_c = 0;
  };

  static constexpr auto kArgs = std::make_tuple(
      kit::clip_ratio_arg<Args>("divergence threshold of the trust region (not a ratio range)"),
      kit::clip_ratio_low_arg<Args>(
          "threshold for tokens with A <= 0; defaults to clip_ratio (recipe: 0.15 tv, 0.05 kl)"),
      kit::clip_ratio_high_arg<Args>(
          "threshold for tokens with A > 0; defaults to clip_ratio (recipe: 0.15 tv, 0.05 kl)"),
      kit::float_arg(RLLOSS_ARG_MEMBER(Args, clip_ratio_c),
                     "cap of the detached IS ratio (truncated IS); verl's actor default 3.0, the "
                     "DPPO recipe sets 10000",
                     3.0, kit::kPositive));

  static constexpr bool kSurrogateGradient = true;

  template <class C>
  struct Params {
    Thresholds<C> region;
    C clip_ratio_c;
  };

  template <class C>
  static Params<C> make_params(const Args& args) {
    return {{C(args.clip_ratio_low), C(args.clip_ratio_high)}, C(args.clip_ratio_c)};
  }

  static std::string warning(const Args&) { return ""; }

  enum Term { kLogRatio, kOutside, kTruncatedInside, kNumTermsEnum };
  static constexpr int kNumTerms = kNumTermsEnum;
  static constexpr kit::Metric kMetrics[] = {kit::negated_mean("ppo_kl", kLogRatio),
                                             kit::mean_of("pg_clipfrac", kOutside),
                                             kit::mean_of("pg_clipfrac_lower", kTruncatedInside)};

  template <class C>
  using Token = kit::TokenResult<C, kNumTerms>;
  static constexpr bool kVectorToken = Divergence::kVectorToken;

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> token(const Params<C>& p, C log_prob, C old_log_prob,
                                             C advantage) {
    // The clamp's gradient does not matter: the ratio is detached.
    const auto [log_ratio, ratio, passes] = kit::importance_ratio(log_prob, old_log_prob);
    (void)passes;
    const C truncated = kit::min_value(ratio, p.clip_ratio_c);
    const C valid = Divergence::inside(p.region, log_prob, old_log_prob, advantage);
    const C weight = -advantage * truncated * valid;
    Token<C> t;
    t.loss = weight * log_prob;
    t.dloss = weight;
    t.terms[kLogRatio] = log_ratio;
    t.terms[kOutside] = C(1) - valid;
    t.terms[kTruncatedInside] = kit::select(ratio > p.clip_ratio_c, valid, C(0));
    return t;
  }
};

}  // namespace rlloss::dppo
