// Compiled by misspelt_argument_test.sh, never built into a plugin. RLLOSS_MISSPELT picks a
// spelling: 0 every name right (must compile), 1 a misspelt member read in make_params, 2 a
// misspelt member in an argument's declaration. 1 and 2 must fail to compile, naming the name.
#include <rlloss/kit/plugin.hpp>
#include <tuple>

#include "sapo_math.hpp"

namespace {

#if RLLOSS_MISSPELT == 2
#define RLLOSS_TEST_SCALE_FIELD sclae
#else
#define RLLOSS_TEST_SCALE_FIELD scale
#endif

struct ScaledSapo : rlloss::sapo::SapoMath {
  struct Args : SapoMath::Args {
    double scale = 0;
  };
  static constexpr auto kArgs = std::tuple_cat(
      std::make_tuple(rlloss::kit::float_arg(RLLOSS_ARG_MEMBER(Args, RLLOSS_TEST_SCALE_FIELD),
                                             "multiplies both temperatures", 1.0,
                                             rlloss::kit::kPositive)),
      std::make_tuple(rlloss::kit::float_arg(RLLOSS_ARG_MEMBER(Args, tau_pos), "tau_pos", 1.0,
                                             rlloss::kit::kPositive),
                      rlloss::kit::float_arg(RLLOSS_ARG_MEMBER(Args, tau_neg), "tau_neg", 1.05,
                                             rlloss::kit::kPositive)));

  template <class C>
  static Params<C> make_params(const Args& args) {
    Args scaled = args;
#if RLLOSS_MISSPELT == 1
    scaled.tau_neg = args.tau_nge * args.scale;
#else
    scaled.tau_neg = args.tau_neg * args.scale;
#endif
    scaled.tau_pos = args.tau_pos * args.scale;
    return SapoMath::make_params<C>(scaled);
  }
  static std::string warning(const Args&) { return ""; }
  static bool uses_row_log_ratio(const Args&) { return false; }
};

}  // namespace

const rlloss_plugin* misspelt_argument_table() {
  return rlloss::kit::Plugin<ScaledSapo>::table();
}
