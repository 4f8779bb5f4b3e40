// Kit plugins broken on purpose for the validate tests: SAPO's math with one flaw each.
#pragma once

#include "sapo_math.hpp"

namespace rlloss::validate_test {

// d loss / d log_prob 1.5 times too large: only the finite-difference check can see it.
struct BadGradMath : sapo::SapoMath {
  static constexpr const char* kName = "bad_grad";
  static constexpr const char* kDescription = "SAPO with a gradient 1.5x too large (test plugin)";

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> finish(const Params<C>& p,
                                              const kit::RatioStart<C>& started) {
    Token<C> t = SapoMath::finish<C>(p, started);
    t.dloss *= C(1.5);
    return t;
  }
};

// Calls itself "sapo" but scales loss and gradient by 1.01: self-consistent, so every generic
// check passes; only the comparison with the independent reference can see it.
struct ImpostorSapoMath : sapo::SapoMath {
  static constexpr const char* kDescription = "SAPO scaled by 1.01 (test plugin)";

  template <class C>
  static RLLOSS_ALWAYS_INLINE Token<C> finish(const Params<C>& p,
                                              const kit::RatioStart<C>& started) {
    Token<C> t = SapoMath::finish<C>(p, started);
    t.loss *= C(1.01);
    t.dloss *= C(1.01);
    return t;
  }
};

}  // namespace rlloss::validate_test
