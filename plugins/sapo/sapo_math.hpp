// SAPO (Soft Adaptive Policy Optimization, arXiv 2511.20347): the per-token math and the schema.
//
// A Math type is all a plugin writes; the kit (rlloss/kit/plugin.hpp) does the rest. It provides
// kName, kVersion, kDescription, kMetricNames, Args (the typed arguments) and kArgs (their
// declarations, rlloss/kit/args.hpp), kNumTerms, Params<C>, make_params<C>(const Args&),
// warning(const Args&), token<C>() (loss, d loss / d log_prob and metric terms of one unmasked
// token) and finalize() (metric values from the summed terms and the masked-token count), and
// optionally kVectorToken: token() also compiles for the kit's vector type (kit/simd.hpp), so the
// AVX2 and AVX-512 kernels run it on a register of tokens at a time. Here token() is written in
// two stages, start() and finish() (kTwoStageToken, kit/token_math.hpp), which the vector loop
// runs as a software pipeline.
//
// importance_sampling_level (TRL's GRPOConfig.importance_sampling_level for loss_type "sapo",
// huggingface/trl grpo_trainer.py): "token" gates each token's ratio; "sequence" gates the
// sequence ratio s = exp(masked mean over the row of log_prob - old_log_prob), clamped to
// [-20, 20] in log space. Its gradient is GSPO's stop-gradient form (verl core_algos.py at
// 018f23b5): each token gets dl/ds * s, with s itself held constant. That equals the full
// derivative TRL's autograd takes when advantages and IS weights are constant within a row (as in
// GRPO); with per-token advantages TRL also spreads each token's dl/ds over its whole row.
#pragma once

#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/clip_args.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>

namespace rlloss::sapo {

struct SapoMath {
  static constexpr const char* kName = "sapo";
  static constexpr const char* kVersion = "1.1.0";
  static constexpr const char* kDescription =
      "Soft Adaptive Policy Optimization: a sigmoid gate on the importance ratio instead of a hard "
      "clip (arXiv 2511.20347)";

  static constexpr const char* kLevels[] = {"token", "sequence"};

  struct Args : kit::ClipRange {
    double tau_pos = 0;
    double tau_neg = 0;
    std::string importance_sampling_level;
  };

  static constexpr auto kArgs = std::make_tuple(
      kit::float_arg(RLLOSS_ARG_MEMBER(Args, tau_pos),
                     "gate temperature for tokens with positive advantage", 1.0, kit::kPositive),
      kit::float_arg(RLLOSS_ARG_MEMBER(Args, tau_neg),
                     "gate temperature for tokens with zero or negative advantage", 1.05,
                     kit::kPositive),
      kit::clip_ratio_arg<Args>(
          "PPO clip range, only for the pg_clipfrac metric (what PPO would have clipped)"),
      kit::clip_ratio_low_arg<Args>("lower PPO clip range for pg_clipfrac; defaults to clip_ratio"),
      kit::clip_ratio_high_arg<Args>(
          "upper PPO clip range for pg_clipfrac; defaults to clip_ratio"),
      kit::string_arg(RLLOSS_ARG_MEMBER(Args, importance_sampling_level),
                      "token: the gate acts on each token's ratio; sequence: on the sequence ratio "
                      "(the exponential of the row's masked mean log-ratio), as TRL's "
                      "importance_sampling_level",
                      "token", kLevels));

  // The gate may act on the sequence ratio: the kit's row pre-pass provides it.
  static constexpr bool kRowLogRatio = true;
  static bool uses_row_log_ratio(const Args& args) {
    return args.importance_sampling_level == "sequence";
  }

  template <class C>
  struct Params {
    C tau_pos, tau_neg, two_over_tau_pos, two_over_tau_neg, clip_low, clip_high;
    // 1 at sequence level, else 0. A C, not a bool: GCC 12 does not vectorise a select whose
    // condition is byte-wide among float lanes (the token loop ran scalar, 15x slower).
    C sequence;
  };

  template <class C>
  static Params<C> make_params(const Args& args) {
    return {C(args.tau_pos),
            C(args.tau_neg),
            C(2.0 / args.tau_pos),
            C(2.0 / args.tau_neg),
            C(args.low_bound()),
            C(args.high_bound()),
            C(uses_row_log_ratio(args) ? 1 : 0)};
  }

  static std::string warning(const Args& args) {
    if (args.tau_neg >= args.tau_pos) return "";
    return "sapo: tau_neg " + contract::format_number(args.tau_neg) + " < tau_pos " +
           contract::format_number(args.tau_pos) +
           ": the paper keeps tau_neg > tau_pos so negative-advantage gradients decay faster "
           "off-policy";
  }

  enum Term {
    kLogRatio,  // summed as it is: ppo_kl is its negated mean
    kGate,
    kGatePos,
    kPos,
    kGateNeg,
    kNeg,
    kGradWeight,
    kRatio,
    kClipped,
    kNumTermsEnum
  };
  static constexpr int kNumTerms = kNumTermsEnum;

  static constexpr kit::Metric kMetrics[] = {kit::negated_mean("ppo_kl", kLogRatio),
                                             kit::mean_of("gate_mean", kGate),
                                             kit::mean_over("gate_pos_mean", kGatePos, kPos),
                                             kit::mean_over("gate_neg_mean", kGateNeg, kNeg),
                                             kit::mean_of("grad_weight_mean", kGradWeight),
                                             kit::mean_of("ratio_mean", kRatio),
                                             kit::mean_of("pos_adv_frac", kPos),
                                             kit::mean_of("pg_clipfrac", kClipped)};

  template <class C>
  using Token = kit::TokenResult<C, kNumTerms>;
  // start() and finish() are written with kit::select and auto masks, so the CPU pass also runs
  // them on vectors; as two stages, the vector loop runs start() one step ahead (token_math.hpp).
  static constexpr bool kVectorToken = true;
  static constexpr bool kTwoStageToken = true;

  // The importance ratio, of the token or, at sequence level, of its row.
  template <class C>
  static RLLOSS_ALWAYS_INLINE kit::RatioStart<C> start(const Params<C>& p, C log_prob,
                                                       C old_log_prob, C advantage,
                                                       C row_log_ratio) {
    const auto [log_ratio, ratio, passes] = kit::ratio_from_log(
        kit::select(p.sequence != C(0), row_log_ratio, log_prob - old_log_prob));
    return {log_ratio, ratio, passes, log_prob, advantage};
  }

  // l = -A * sigmoid(tau (r - 1)) * 4 / tau; dl/dlog_prob = -A * 4 s (1 - s) r, zero where the
  // log-ratio lies outside the [-20, 20] clamp (as autograd through clamp). At sequence level r
  // is the sequence ratio of the token's row.
  //
  // With e = exp(-tau (r - 1)), s = 1 / (1 + e) and 1 - s = e s, so 4 s (1 - s) r = 2s (2s (e r)):
  // e r starts before the division and two multiplies follow it, where 4 s (e s) r took four. e r
  // stays finite (e <= 1 where r >= 1, and e r < e where r < 1), and 2s multiplies it before
  // squaring, so nothing underflows that the true value does not. s * 4 / tau is 2s * 2 / tau
  // to the bit (both scale by powers of two). 1 / (1 + e) is kit::fast_reciprocal: a division,
  // or on AVX-512 an approximation within 2 ulp.
  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> finish(const Params<C>& p,
                                              const kit::RatioStart<C>& started) {
    // Copies, which GCC keeps in registers (see kit::ImportanceRatio).
    const C log_ratio = started.log_ratio, ratio = started.ratio, passes = started.passes,
            advantage = started.advantage;
    const auto positive = advantage > C(0);
    const auto negative = advantage < C(0);
    const C tau = kit::select(positive, p.tau_pos, p.tau_neg);
    // -tau (r - 1) as tau - tau r: one fused multiply-add where the compiler contracts.
    const C e = kit::sigmoid_exp_of_negated(tau - tau * ratio);
    const C e_ratio = e * ratio;
    const C two_s = C(2) * kit::fast_reciprocal(C(1) + e);
    const C gate = two_s * kit::select(positive, p.two_over_tau_pos, p.two_over_tau_neg);
    const C grad_weight = two_s * (two_s * e_ratio);
    const auto clipped = (positive & (ratio > p.clip_high)) | (negative & (ratio < p.clip_low));
    const C minus_advantage = -advantage;
    Token<C> t;
    t.loss = gate * minus_advantage;
    t.dloss = minus_advantage * grad_weight * passes;
    t.terms[kLogRatio] = log_ratio;
    t.terms[kGate] = gate;
    t.terms[kGatePos] = kit::select(positive, gate, C(0));
    t.terms[kPos] = kit::select(positive, C(1), C(0));
    t.terms[kGateNeg] = kit::select(negative, gate, C(0));
    t.terms[kNeg] = kit::select(negative, C(1), C(0));
    t.terms[kGradWeight] = grad_weight;
    t.terms[kRatio] = ratio;
    t.terms[kClipped] = kit::select(clipped, C(1), C(0));
    return t;
  }
};

}  // namespace rlloss::sapo
