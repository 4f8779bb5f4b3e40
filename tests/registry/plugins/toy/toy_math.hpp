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
  static constexpr kit::Metric kMetrics[] = {kit::mean_of("ratio_mean", 0)};

  template <class C>
  static kit::TokenResult<C, kNumTerms> token(const Params<C>& p, C log_prob, C old_log_prob,
                                              C advantage) {
    const C ratio = std::exp(log_prob - old_log_prob);
    const C loss = -p.scale * advantage * ratio;
    return {loss, loss, {ratio}};
  }
};

}  // namespace rlloss::test
