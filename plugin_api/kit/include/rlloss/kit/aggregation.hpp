// The five loss_agg_modes (verl's agg_loss) as per-sequence weights, and their shared arguments.
//
// Every mode is loss = sum_b w_b * sum_t l_bt m_bt, so one pass computes loss and gradient
// (dl/dlog_prob_bt = w_b * dl_bt m_bt) once the weights w_b are known:
//   token-mean               w_b = dp / N_tok
//   token-sum                w_b = dp
//   seq-mean-token-sum       w_b = dp / N_seq
//   seq-mean-token-mean      w_b = dp / (N_seq * (len_b + 1e-8))
//   seq-mean-token-sum-norm  w_b = dp / (N_seq * loss_scale_factor)   (factor 0 means T)
// N_tok and N_seq are local counts unless the host passes global ones. A zero count gives w = 0
// (there are no tokens to weight).
#pragma once

#include <rlloss/plugin_api.h>

#include <cstdint>
#include <rlloss/kit/device_macros.hpp>
#include <rlloss/kit/error.hpp>
#include <string>

namespace rlloss::kit {

enum class AggMode {
  token_mean,
  token_sum,
  seq_mean_token_sum,
  seq_mean_token_mean,
  seq_mean_token_sum_norm
};

inline constexpr const char* kAggModeNames[] = {"token-mean", "token-sum", "seq-mean-token-sum",
                                                "seq-mean-token-mean", "seq-mean-token-sum-norm"};
inline constexpr uint32_t kNumAggModes = 5;

inline AggMode parse_agg_mode(const std::string& name) {
  for (uint32_t i = 0; i < kNumAggModes; ++i) {
    if (name == kAggModeNames[i]) return static_cast<AggMode>(i);
  }
  fail("unknown loss_agg_mode '" + name + "'");
}

inline const char* agg_mode_name(AggMode mode) {
  return kAggModeNames[static_cast<int>(mode)];
}

inline bool divides_by_tokens(AggMode mode) {
  return mode == AggMode::token_mean;
}
inline bool divides_by_sequences(AggMode mode) {
  return mode != AggMode::token_mean && mode != AggMode::token_sum;
}

// Counts and the data-parallel factor that turn a mode into weights.
struct Normalisers {
  double tokens = 0;     // N_tok: local or global masked-token count
  double sequences = 0;  // N_seq: local or global non-empty sequence count
  double dp_size = 1;
  double scale = 1;  // loss_scale_factor resolved (T when the argument is 0)
};

RLLOSS_HOST_DEVICE inline double sequence_weight(AggMode mode, const Normalisers& n,
                                                 int64_t length) {
  const double per_token = n.tokens > 0 ? n.dp_size / n.tokens : 0.0;
  const double per_sequence = n.sequences > 0 ? n.dp_size / n.sequences : 0.0;
  switch (mode) {
    case AggMode::token_mean: return per_token;
    case AggMode::token_sum: return n.dp_size;
    case AggMode::seq_mean_token_sum: return per_sequence;
    case AggMode::seq_mean_token_mean: return per_sequence / (static_cast<double>(length) + 1e-8);
    case AggMode::seq_mean_token_sum_norm: return per_sequence / n.scale;
  }
  return 0;
}

// A masked mean for a loss's finalize(): 0 when nothing was counted.
RLLOSS_HOST_DEVICE inline double ratio_or_zero(double numerator, double denominator) {
  return denominator > 0 ? numerator / denominator : 0.0;
}

// What the host asked for, checked before any data is read; the same for every backend.
struct AggregationRequest {
  AggMode mode = AggMode::token_mean;
  int64_t global_tokens = -1;     // -1: not given, use the local count
  int64_t global_sequences = -1;  // -1: not given, use the local count
  int64_t dp_size = 1;
  double scale = 1;  // loss_scale_factor resolved: T when the argument is 0 (1 when T is 0)
};

// The rules that need no data: dp_size and the counts' ranges, and the global count a mode needs
// when dp_size > 1 (a local count would make the loss mean different things on different ranks).
inline AggregationRequest check_aggregation(AggMode mode, int64_t global_tokens,
                                            int64_t global_sequences, int64_t dp_size,
                                            double loss_scale_factor, int64_t T) {
  if (dp_size < 1) fail("dp_size must be >= 1, got " + std::to_string(dp_size));
  if (global_tokens < -1 || global_sequences < -1) {
    fail("global counts must be >= 0, or -1 for 'not given'; got global_token_count " +
         std::to_string(global_tokens) + ", global_seq_count " + std::to_string(global_sequences));
  }
  if (dp_size > 1 && divides_by_tokens(mode) && global_tokens < 0) {
    fail("dp_size " + std::to_string(dp_size) + " with loss_agg_mode " + agg_mode_name(mode) +
         " needs global_token_count (a local count would make the loss mean different things on "
         "different ranks)");
  }
  if (dp_size > 1 && divides_by_sequences(mode) && global_sequences < 0) {
    fail("dp_size " + std::to_string(dp_size) + " with loss_agg_mode " + agg_mode_name(mode) +
         " needs global_seq_count (a local count would make the loss mean different things on "
         "different ranks)");
  }
  AggregationRequest request{mode, global_tokens, global_sequences, dp_size, 1.0};
  request.scale = loss_scale_factor > 0 ? loss_scale_factor : static_cast<double>(T);
  if (!(request.scale > 0)) request.scale = 1;  // T == 0: an empty batch, no token to scale
  return request;
}

// False when a global count given is below this batch's own count (the CPU backend refuses the
// call; the CUDA backend, which must not synchronise, makes every result NaN).
RLLOSS_HOST_DEVICE inline bool global_counts_cover(const AggregationRequest& request,
                                                   int64_t local_tokens, int64_t local_sequences) {
  return !(request.global_tokens >= 0 && request.global_tokens < local_tokens) &&
         !(request.global_sequences >= 0 && request.global_sequences < local_sequences);
}

inline void check_global_counts(const AggregationRequest& request, int64_t local_tokens,
                                int64_t local_sequences) {
  if (!global_counts_cover(request, local_tokens, 0)) {
    fail("global_token_count " + std::to_string(request.global_tokens) +
         " is smaller than this batch's masked-token count " + std::to_string(local_tokens));
  }
  if (!global_counts_cover(request, 0, local_sequences)) {
    fail("global_seq_count " + std::to_string(request.global_sequences) +
         " is smaller than this batch's non-empty sequence count " +
         std::to_string(local_sequences));
  }
}

// The normalisers of a batch with these local counts: the global counts where given.
RLLOSS_HOST_DEVICE inline Normalisers normalisers_for(const AggregationRequest& request,
                                                      int64_t local_tokens,
                                                      int64_t local_sequences) {
  Normalisers n;
  n.tokens = static_cast<double>(request.global_tokens >= 0 ? request.global_tokens : local_tokens);
  n.sequences = static_cast<double>(request.global_sequences >= 0 ? request.global_sequences
                                                                  : local_sequences);
  n.dp_size = static_cast<double>(request.dp_size);
  n.scale = request.scale;
  return n;
}

}  // namespace rlloss::kit
