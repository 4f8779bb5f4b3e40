// A loss's metrics, declared once: each is the masked mean of one of the loss's per-token terms,
// over every valid token or over the tokens another term counts, optionally negated. The names in
// the plugin table and the finalisation on every backend come from the one declaration:
//
//   enum Term { kLogRatio, kGatePos, kPos, kNumTermsEnum };
//   static constexpr kit::Metric kMetrics[] = {
//       kit::negated_mean("ppo_kl", kLogRatio),        // -sum(log_ratio) / tokens
//       kit::mean_over("gate_pos_mean", kGatePos, kPos)};  // sum(gate_pos) / sum(pos)
//
// Every mean is 0 when nothing was counted.
#pragma once

#include <array>
#include <cstddef>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/device_macros.hpp>
#include <utility>

namespace rlloss::kit {

// The denominator of a metric that averages over every valid token of the call.
inline constexpr int kEveryToken = -1;

struct Metric {
  const char* name;
  int term;      // the summed term
  int per;       // kEveryToken, or the term whose sum is the denominator
  bool negated;  // the mean of -term: a loss sums log_ratio once for ppo_kl and ratio_mean
};

constexpr Metric mean_of(const char* name, int term) {
  return {name, term, kEveryToken, false};
}
constexpr Metric negated_mean(const char* name, int term) {
  return {name, term, kEveryToken, true};
}
constexpr Metric mean_over(const char* name, int term, int counted_by) {
  return {name, term, counted_by, false};
}

template <class Math>
inline constexpr size_t kNumMetrics = sizeof(Math::kMetrics) / sizeof(Math::kMetrics[0]);

namespace detail {

template <class Math, size_t... I>
constexpr std::array<const char*, sizeof...(I)> metric_names(std::index_sequence<I...>) {
  return {Math::kMetrics[I].name...};
}

template <class Math>
constexpr bool metrics_use_declared_terms() {
  for (const Metric& metric : Math::kMetrics) {
    if (metric.term < 0 || metric.term >= Math::kNumTerms) return false;
    if (metric.per != kEveryToken && (metric.per < 0 || metric.per >= Math::kNumTerms)) {
      return false;
    }
  }
  return true;
}

// One metric's value; `I` is a constant, so device code reads the declaration at compile time.
template <class Math, size_t I>
RLLOSS_HOST_DEVICE inline double metric_value(const double* sums, double tokens) {
  constexpr Metric metric = Math::kMetrics[I];
  const double numerator = metric.negated ? -sums[metric.term] : sums[metric.term];
  return ratio_or_zero(numerator, metric.per == kEveryToken ? tokens : sums[metric.per]);
}

template <class Math, size_t... I>
RLLOSS_HOST_DEVICE inline void finalize_metrics(const double* sums, double tokens, double* metrics,
                                                std::index_sequence<I...>) {
  ((metrics[I] = metric_value<Math, I>(sums, tokens)), ...);
}

}  // namespace detail

// The metric names in declaration order, as the plugin table lists them.
template <class Math>
inline constexpr std::array<const char*, kNumMetrics<Math>> kMetricNames =
    detail::metric_names<Math>(std::make_index_sequence<kNumMetrics<Math>>{});

// Every metric from the summed terms and the call's masked-token count.
template <class Math>
RLLOSS_HOST_DEVICE inline void finalize_metrics(const double* sums, double tokens,
                                                double* metrics) {
  detail::finalize_metrics<Math>(sums, tokens, metrics,
                                 std::make_index_sequence<kNumMetrics<Math>>{});
}

}  // namespace rlloss::kit
