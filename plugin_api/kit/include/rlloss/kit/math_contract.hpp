// The Math contract (plugin_api/MATH_CONTRACT.md), checked at compile time: each missing or
// malformed declaration is a static_assert that names it. Plugin<Math> and the kernels instantiate
// check_math<Math>() before anything else reads the type.
#pragma once

#include <cstddef>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rlloss::kit {
namespace contract_check {

template <class, class = void>
inline constexpr bool has_identity = false;
template <class M>
inline constexpr bool
    has_identity<M, std::void_t<decltype(static_cast<const char*>(M::kName)),
                                decltype(static_cast<const char*>(M::kVersion)),
                                decltype(static_cast<const char*>(M::kDescription))>> = true;

template <class, class = void>
inline constexpr bool has_args = false;
template <class M>
inline constexpr bool
    has_args<M, std::void_t<typename M::Args,
                            decltype(std::tuple_size<std::decay_t<decltype(M::kArgs)>>::value)>> =
        std::is_default_constructible_v<typename M::Args>;

template <class, class = void>
inline constexpr bool has_num_terms = false;
template <class M>
inline constexpr bool has_num_terms<M, std::void_t<decltype(int{M::kNumTerms})>> =
    M::kNumTerms >= 1;

template <class, class = void>
inline constexpr bool has_metrics = false;
template <class M>
inline constexpr bool
    has_metrics<M, std::void_t<decltype(static_cast<const Metric&>(M::kMetrics[0]))>> = true;

template <class, class = void>
inline constexpr bool has_params = false;
template <class M>
inline constexpr bool has_params<
    M, std::void_t<
           decltype(M::template make_params<float>(std::declval<const typename M::Args&>())),
           decltype(M::template make_params<double>(std::declval<const typename M::Args&>()))>> =
    std::is_same_v<decltype(M::template make_params<float>(
                       std::declval<const typename M::Args&>())),
                   typename M::template Params<float>>;

template <class, class = void>
inline constexpr bool has_warning = false;
template <class M>
inline constexpr bool
    has_warning<M, std::void_t<decltype(M::warning(std::declval<const typename M::Args&>()))>> =
        std::is_convertible_v<decltype(M::warning(std::declval<const typename M::Args&>())),
                              std::string>;

// token() or start() and finish(), with the row's log-ratio when the Math takes it.
template <class, class = void>
inline constexpr bool has_token_math = false;
template <class M>
inline constexpr bool has_token_math<
    M, std::void_t<decltype(call_token<M, float>(
           std::declval<const typename M::template Params<float>&>(), 0.0f, 0.0f, 0.0f, 0.0f))>> =
    true;

template <class, class = void>
inline constexpr bool token_result_is_complete = false;
template <class M>
inline constexpr bool token_result_is_complete<
    M, std::void_t<decltype(call_token<M, float>(
           std::declval<const typename M::template Params<float>&>(), 0.0f, 0.0f, 0.0f, 0.0f))>> =
    std::is_same_v<decltype(call_token<M, float>(
                       std::declval<const typename M::template Params<float>&>(), 0.0f, 0.0f, 0.0f,
                       0.0f)),
                   TokenResult<float, M::kNumTerms>>;

template <class, class = void>
inline constexpr bool has_row_switch = false;
template <class M>
inline constexpr bool has_row_switch<M, std::void_t<decltype(bool{M::uses_row_log_ratio(
                                            std::declval<const typename M::Args&>())})>> = true;

}  // namespace contract_check

template <class Math>
constexpr bool check_math() {
  using namespace contract_check;
  static_assert(has_identity<Math>,
                "a Math declares kName (the loss_mode), kVersion and kDescription as const char*");
  static_assert(has_args<Math>,
                "a Math declares `struct Args` (default-constructible) and `kArgs`, a tuple of "
                "kit/args.hpp declarations (std::make_tuple() when it has none)");
  static_assert(has_num_terms<Math>,
                "a Math declares `static constexpr int kNumTerms`, at least 1: the per-token terms "
                "its metrics average");
  static_assert(has_metrics<Math>,
                "a Math declares `static constexpr kit::Metric kMetrics[]` (kit/metrics.hpp), at "
                "least one");
  if constexpr (has_num_terms<Math> && has_metrics<Math>) {
    static_assert(detail::metrics_use_declared_terms<Math>(),
                  "a metric in kMetrics names a term outside [0, kNumTerms)");
  }
  static_assert(has_params<Math>,
                "a Math declares `template <class C> struct Params` and `template <class C> static "
                "Params<C> make_params(const Args&)`");
  static_assert(has_warning<Math>,
                "a Math declares `static std::string warning(const Args&)` (\"\" for no warning)");
  if constexpr (has_params<Math> && has_num_terms<Math>) {
    static_assert(has_token_math<Math>,
                  "a Math declares `template <class C> static TokenResult<C, kNumTerms> "
                  "token(const Params<C>&, C log_prob, C old_log_prob, C advantage)`, or start() "
                  "and finish() with `kTwoStageToken = true` (kit/token_math.hpp); with "
                  "kRowLogRatio, a fifth argument C row_log_ratio");
    if constexpr (has_token_math<Math>) {
      static_assert(token_result_is_complete<Math>,
                    "token() (or finish()) must return kit::TokenResult<C, kNumTerms>");
    }
  }
  if constexpr (kRowLogRatio<Math> && has_args<Math>) {
    static_assert(has_row_switch<Math>,
                  "a Math with kRowLogRatio declares `static bool uses_row_log_ratio(const "
                  "Args&)`: whether an instance needs the row pre-pass");
  }
  return true;
}

}  // namespace rlloss::kit
