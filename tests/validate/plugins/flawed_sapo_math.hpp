// Kit plugins broken on purpose for the validate tests: SAPO's math with one flaw each.
#pragma once

#include "sapo_math.hpp"

namespace rlloss::validate_test {

// d loss / d log_prob 1.5 times too large: only the finite-difference check can see it.
struct BadGradMath : sapo::SapoMath {
  static constexpr const char* kName = "bad_grad";
  static constexpr const char* kDescription = "SAPO with a gradient 1.5x too large (test plugin)";

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> token(const Params<C>& p, C log_prob, C old_log_prob,
                                             C advantage, C row_log_ratio) {
    Token<C> t = SapoMath::token<C>(p, log_prob, old_log_prob, advantage, row_log_ratio);
    t.dloss *= C(1.5);
    return t;
  }
};

// Calls itself "sapo" but scales loss and gradient by 1.01: self-consistent, so every generic
// check passes; only the comparison with the independent reference can see it.
struct ImpostorSapoMath : sapo::SapoMath {
  static constexpr const char* kDescription = "SAPO scaled by 1.01 (test plugin)";

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> token(const Params<C>& p, C log_prob, C old_log_prob,
                                             C advantage, C row_log_ratio) {
    Token<C> t = SapoMath::token<C>(p, log_prob, old_log_prob, advantage, row_log_ratio);
    t.loss *= C(1.01);
    t.dloss *= C(1.01);
    return t;
  }
};

}  // namespace rlloss::validate_test
