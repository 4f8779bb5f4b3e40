// A toy loss built with the plugin kit, for the registry tests: l = -scale * A * exp(d) with
// d = log_prob - old_log_prob, so dl/dlog_prob = l. Its one metric is the mean ratio exp(d).
#pragma once

#include <cmath>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/plugin.hpp>
#include <string>
#include <tuple>

namespace rlloss::test {

struct ToyMath {
  static constexpr const char* kName = "toy";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription = "registry test loss: -scale * A * ratio";

  static constexpr const char* kMetricNames[] = {"ratio_mean"};

  struct Args {
    double scale = 0;
  };
  static constexpr auto kArgs = std::make_tuple(
      kit::float_arg(RLLOSS_ARG_MEMBER(Args, scale), "multiplies the loss", 1.0, kit::kPositive));

  template <class C>
  struct Params {
    C scale;
  };

  template <class C>
  static Params<C> make_params(const Args& args) {
    return {C(args.scale)};
  }

  static std::string warning(const Args&) { return ""; }

  static constexpr int kNumTerms = 1;

  template <class C>
  struct Token {
    C loss;
    C dloss;
    C terms[kNumTerms];
  };

  template <class C>
  static Token<C> token(const Params<C>& p, C log_prob, C old_log_prob, C advantage) {
    const C ratio = std::exp(log_prob - old_log_prob);
    const C loss = -p.scale * advantage * ratio;
    return {loss, loss, {ratio}};
  }

  static void finalize(const double* sums, double tokens, double* metrics) {
    metrics[0] = kit::ratio_or_zero(sums[0], tokens);
  }
};

}  // namespace rlloss::test
