// Building blocks of a loss's per-token math, shared by every Math type.
#pragma once

#include <rlloss/kit/device_macros.hpp>
#include <rlloss/kit/fast_math.hpp>

namespace rlloss::kit {

// What token() returns: the token's loss, d loss / d log_prob, and its K metric terms.
template <class C, int K>
struct TokenResult {
  C loss;
  C dloss;
  C terms[K > 0 ? K : 1];
};

template <class C>
struct ImportanceRatio {
  C log_ratio;  // clamp(log_prob - old_log_prob, -20, 20)
  C ratio;      // exp(log_ratio)
  C passes;     // 1 where the clamp is inactive, else 0: autograd's gradient through the clamp
};

// The clamped log-ratio and ratio every policy loss starts from (verl's clamp of +-20 keeps exp
// finite in float32).
template <class C>
RLLOSS_ALWAYS_INLINE ImportanceRatio<C> importance_ratio(C log_prob, C old_log_prob) {
  const C raw = log_prob - old_log_prob;
  const C log_ratio = max_value(min_value(raw, C(20)), C(-20));
  return {log_ratio, fast_exp(log_ratio), raw >= C(-20) && raw <= C(20) ? C(1) : C(0)};
}

}  // namespace rlloss::kit
