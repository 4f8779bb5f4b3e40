// What create() builds and compute() reads: the loss's parameters in both compute precisions,
// plus the aggregation settings every loss shares.
#pragma once

#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/args.hpp>
#include <rlloss/kit/token_math.hpp>

namespace rlloss::kit {

template <class Math>
struct Instance {
  typename Math::template Params<float> f32;
  typename Math::template Params<double> f64;
  typename Math::Args args;  // for the vector Params the CPU pass builds (cpu_vector_segment.hpp)
  AggMode agg_mode = AggMode::token_mean;
  double loss_scale_factor = 0;
  bool row_log_ratio = false;  // run the row pre-pass (see token_math.hpp)

  Instance(const typename Math::Args& args, const AggregationArgs& aggregation)
      : f32(Math::template make_params<float>(args)),
        f64(Math::template make_params<double>(args)),
        args(args),
        agg_mode(parse_agg_mode(aggregation.loss_agg_mode)),
        loss_scale_factor(aggregation.loss_scale_factor) {
    if constexpr (kRowLogRatio<Math>) row_log_ratio = Math::uses_row_log_ratio(args);
  }

  template <class C>
  const typename Math::template Params<C>& params() const {
    if constexpr (sizeof(C) == sizeof(float)) {
      return f32;
    } else {
      return f64;
    }
  }
};

}  // namespace rlloss::kit
