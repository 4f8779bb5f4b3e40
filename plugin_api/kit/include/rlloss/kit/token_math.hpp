// Building blocks of a loss's per-token math, shared by every Math type.
#pragma once

#include <cstddef>
#include <rlloss/kit/device_macros.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <tuple>
#include <type_traits>

namespace rlloss::kit {

// What token() returns: the token's loss, d loss / d log_prob, and its K metric terms.
template <class C, int K>
struct TokenResult {
  C loss;
  C dloss;
  C terms[K > 0 ? K : 1];
};

// `const auto [log_ratio, ratio, passes] = importance_ratio(...)` is how a Math takes it apart.
// The tuple protocol below makes those three names copies of the members, not aliases into the
// struct: with aliases, GCC 12 kept a struct of vector registers on the stack and copied it through
// general registers (ppo_clip's AVX2 loop: 173 instructions and 44 stack accesses per step with
// aliases, 153 and 24 with copies).
template <class C>
struct ImportanceRatio {
  C log_ratio;  // clamp(log_prob - old_log_prob, -20, 20)
  C ratio;      // exp(log_ratio)
  C passes;     // 1 where the clamp is inactive, else 0: autograd's gradient through the clamp

  template <std::size_t I>
  RLLOSS_ALWAYS_INLINE C get() const {
    static_assert(I < 3, "an ImportanceRatio has three members");
    if constexpr (I == 0) {
      return log_ratio;
    } else if constexpr (I == 1) {
      return ratio;
    } else {
      return passes;
    }
  }
};

}  // namespace rlloss::kit

namespace std {
template <class C>
struct tuple_size<rlloss::kit::ImportanceRatio<C>> : integral_constant<size_t, 3> {};
template <size_t I, class C>
struct tuple_element<I, rlloss::kit::ImportanceRatio<C>> {
  using type = C;
};
}  // namespace std

namespace rlloss::kit {

// A log-ratio clamped to [-20, 20] and its ratio (verl's clamp keeps exp finite in float32).
template <class C>
RLLOSS_ALWAYS_INLINE ImportanceRatio<C> ratio_from_log(C raw) {
  const C log_ratio = max_value(min_value(raw, C(20)), C(-20));
  // The clamp is inactive exactly where it returns its argument (a NaN is never equal).
  return {log_ratio, fast_exp_in_range(log_ratio), select(log_ratio == raw, C(1), C(0))};
}

// The clamped log-ratio and ratio every token-level policy loss starts from.
template <class C>
RLLOSS_ALWAYS_INLINE ImportanceRatio<C> importance_ratio(C log_prob, C old_log_prob) {
  return ratio_from_log(log_prob - old_log_prob);
}

// What the first stage of a two-stage Math (below) hands to the second when that stage is the
// importance ratio: the ratio and the token's own inputs that the rest of the math needs.
template <class C>
struct RatioStart {
  C log_ratio, ratio, passes;  // as in ImportanceRatio
  C log_prob, advantage;
};

// A base for a token-level Math whose first stage is its importance ratio (ppo_clip, cispo): it
// then writes only finish(const Params<C>&, const RatioStart<C>&).
struct StartsWithImportanceRatio {
  static constexpr bool kTwoStageToken = true;

  template <class C, class Params>
  static RLLOSS_ALWAYS_INLINE RatioStart<C> start(const Params&, C log_prob, C old_log_prob,
                                                  C advantage) {
    const auto [log_ratio, ratio, passes] = importance_ratio(log_prob, old_log_prob);
    return {log_ratio, ratio, passes, log_prob, advantage};
  }
};

// Sequence-level losses. A Math type that declares `static constexpr bool kRowLogRatio = true`
// gets its row's sequence log-ratio as token()'s fifth argument: the masked mean over the row of
// log_prob - old_log_prob (unclamped, in double; 0 for a row with no token), which the kit's row
// pre-pass computes before the token pass, on the CPU and on CUDA alike. It also declares
// `static bool uses_row_log_ratio(const Args&)`: when that is false for an instance
// (SAPO at token level), the pre-pass is skipped and the fifth argument is 0.
template <class Math, class = void>
inline constexpr bool kRowLogRatio = false;
template <class Math>
inline constexpr bool kRowLogRatio<Math, std::void_t<decltype(Math::kRowLogRatio)>> =
    Math::kRowLogRatio;

// A Math type that declares `static constexpr bool kVectorToken = true` has a token() that also
// compiles for the kit's vector type (kit/simd.hpp): the AVX2 and AVX-512 kernels then run it on
// a register of tokens at a time (kit/cpu_vector_segment.hpp).
template <class Math, class = void>
inline constexpr bool kVectorToken = false;
template <class Math>
inline constexpr bool kVectorToken<Math, std::void_t<decltype(Math::kVectorToken)>> =
    Math::kVectorToken;

// A Math type may write its token math in two stages instead of one token():
//   template <class C> struct Start;  // what the first stage hands to the second
//   template <class C> static Start<C> start(const Params<C>&, C log_prob, C old_log_prob,
//                                            C advantage[, C row_log_ratio]);
//   template <class C> static Token<C> finish(const Params<C>&, const Start<C>&);
// with `static constexpr bool kTwoStageToken = true`. Everywhere but the vector loop the two run
// back to back, as one token(). The vector loop runs start() one step ahead of finish(), so that
// the core works on two steps' dependency chains at once (a software pipeline): put the long
// chain that needs only the inputs (the importance ratio's exp) in start(). The values are the
// same as when the two run back to back.
template <class Math, class = void>
inline constexpr bool kTwoStageToken = false;
template <class Math>
inline constexpr bool kTwoStageToken<Math, std::void_t<decltype(Math::kTwoStageToken)>> =
    Math::kTwoStageToken;

// start() with the row's log-ratio when the Math takes it.
template <class Math, class C>
RLLOSS_ALWAYS_INLINE auto call_start(const typename Math::template Params<C>& params, C log_prob,
                                     C old_log_prob, C advantage, C row_log_ratio) {
  if constexpr (kRowLogRatio<Math>) {
    return Math::template start<C>(params, log_prob, old_log_prob, advantage, row_log_ratio);
  } else {
    (void)row_log_ratio;
    return Math::template start<C>(params, log_prob, old_log_prob, advantage);
  }
}

// One token's loss, gradient and terms: token(), or the two stages back to back; with the row's
// log-ratio when the Math takes it.
template <class Math, class C>
RLLOSS_ALWAYS_INLINE auto call_token(const typename Math::template Params<C>& params, C log_prob,
                                     C old_log_prob, C advantage, C row_log_ratio) {
  if constexpr (kTwoStageToken<Math>) {
    return Math::template finish<C>(
        params, call_start<Math, C>(params, log_prob, old_log_prob, advantage, row_log_ratio));
  } else if constexpr (kRowLogRatio<Math>) {
    return Math::template token<C>(params, log_prob, old_log_prob, advantage, row_log_ratio);
  } else {
    (void)row_log_ratio;
    return Math::template token<C>(params, log_prob, old_log_prob, advantage);
  }
}

}  // namespace rlloss::kit
