// A loss's arguments, declared once: each declaration binds a member of the loss's `Args` struct
// to its schema entry (name, type, doc, default, range), so the C schema and the typed values
// create() hands to make_params() come from the same line, and a misspelt name does not compile.
//
//   struct Args { double tau_pos = 0; std::string level; };
//   static constexpr auto kArgs = std::make_tuple(
//       kit::float_arg(RLLOSS_ARG_MEMBER(Args, tau_pos), "gate temperature", 1.0, kit::kPositive),
//       kit::string_arg(RLLOSS_ARG_MEMBER(Args, level), "token or sequence", "token", kLevels));
//
// loss_agg_mode and loss_scale_factor are appended to every schema by the kit (ArgSchema below);
// a Math type changes the default mode with `static constexpr const char* kDefaultAggMode`.
#pragma once

#include <rlloss/plugin_api.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <rlloss/contract/arg_schema.hpp>
#include <rlloss/kit/aggregation.hpp>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rlloss::kit {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Allowed values of a FLOAT or INT argument: [min, max], each end open unless inclusive.
struct Range {
  double min;
  double max;
  bool min_inclusive;
  bool max_inclusive;
};
inline constexpr Range kPositive{0, kInfinity, false, false};
inline constexpr Range kAnyNumber{-kInfinity, kInfinity, false, false};
constexpr Range above(double min) {
  return {min, kInfinity, false, false};
}
constexpr Range at_least(double min) {
  return {min, kInfinity, true, false};
}

// `T Args::*`, spelt through an alias: nvcc's generated host code writes a plain member-pointer
// declaration with parentheses, which GCC's -Wparentheses refuses under -Werror.
template <class Args, class T>
using MemberPointer = T Args::*;

// A data member of a loss's Args struct and its name. Write RLLOSS_ARG_MEMBER(Args, field): the
// one token `field` gives both, so they cannot disagree.
template <class Args, class T>
struct Member {
  MemberPointer<Args, T> pointer;
  const char* name;
};

// `pointer` may name a member of a base of Args (kit::ClipRange's fields).
template <class Args, class T, class Owner>
constexpr Member<Args, T> member(T Owner::*pointer, const char* name) {
  static_assert(std::is_base_of_v<Owner, Args>, "the member must belong to Args or a base of it");
  return {static_cast<MemberPointer<Args, T>>(pointer), name};
}

#define RLLOSS_ARG_MEMBER(ARGS, FIELD) ::rlloss::kit::member<ARGS>(&ARGS::FIELD, #FIELD)

// One declared argument: where its value goes and its schema entry.
template <class Args, class T>
struct ArgField {
  MemberPointer<Args, T> member;
  rlloss_arg_spec spec;
};

template <class Args>
constexpr ArgField<Args, double> float_arg(Member<Args, double> m, const char* doc,
                                           double default_value, Range range,
                                           const char* default_from = nullptr) {
  return {
      m.pointer,
      {sizeof(rlloss_arg_spec), m.name, RLLOSS_ARG_FLOAT, doc, default_value, nullptr, range.min,
       range.max, range.min_inclusive, range.max_inclusive, nullptr, 0, default_from}};
}

// A FLOAT argument without a default: create() fails naming it unless the caller sets it.
template <class Args>
constexpr ArgField<Args, double> required_float_arg(Member<Args, double> m, const char* doc,
                                                    Range range) {
  return float_arg(m, doc, std::numeric_limits<double>::quiet_NaN(), range);
}

template <class Args>
constexpr ArgField<Args, int64_t> int_arg(Member<Args, int64_t> m, const char* doc,
                                          int64_t default_value, Range range) {
  return {m.pointer,
          {sizeof(rlloss_arg_spec), m.name, RLLOSS_ARG_INT, doc, static_cast<double>(default_value),
           nullptr, range.min, range.max, range.min_inclusive, range.max_inclusive, nullptr, 0,
           nullptr}};
}

template <class Args>
constexpr ArgField<Args, bool> bool_arg(Member<Args, bool> m, const char* doc, bool default_value) {
  return {m.pointer,
          {sizeof(rlloss_arg_spec), m.name, RLLOSS_ARG_BOOL, doc, default_value ? 1.0 : 0.0,
           nullptr, 0, 1, 1, 1, nullptr, 0, nullptr}};
}

// A string that must be one of `choices`.
template <class Args, size_t N>
constexpr ArgField<Args, std::string> string_arg(Member<Args, std::string> m, const char* doc,
                                                 const char* default_value,
                                                 const char* const (&choices)[N]) {
  return {m.pointer,
          {sizeof(rlloss_arg_spec), m.name, RLLOSS_ARG_STRING, doc, 0, default_value, 0, 0, 0, 0,
           choices, static_cast<uint32_t>(N), nullptr}};
}

// The arguments every loss takes, filled by the kit rather than the loss's own Args.
struct AggregationArgs {
  std::string loss_agg_mode;
  double loss_scale_factor = 0;
};

constexpr auto aggregation_fields(const char* default_mode) {
  return std::make_tuple(
      string_arg(RLLOSS_ARG_MEMBER(AggregationArgs, loss_agg_mode),
                 "how per-token losses become one scalar (verl's agg_loss)", default_mode,
                 kAggModeNames),
      float_arg(RLLOSS_ARG_MEMBER(AggregationArgs, loss_scale_factor),
                "divisor of seq-mean-token-sum-norm; 0 means T, the response length", 0.0,
                at_least(0)));
}

template <class Math, class = void>
inline constexpr const char* kDefaultAggMode = "token-mean";
template <class Math>
inline constexpr const char* kDefaultAggMode<Math, std::void_t<decltype(Math::kDefaultAggMode)>> =
    Math::kDefaultAggMode;

namespace detail {

constexpr bool same_name(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

constexpr bool number_allowed(const rlloss_arg_spec& spec, double value) {
  const bool above_min = spec.min_inclusive ? value >= spec.min_value : value > spec.min_value;
  const bool below_max = spec.max_inclusive ? value <= spec.max_value : value < spec.max_value;
  return above_min && below_max;
}

// What the host's table check would refuse at load time, found at compile time instead.
template <size_t N>
constexpr bool schema_is_consistent(const std::array<rlloss_arg_spec, N>& specs) {
  for (size_t i = 0; i < N; ++i) {
    const rlloss_arg_spec& spec = specs[i];
    for (size_t j = 0; j < i; ++j) {
      if (same_name(spec.name, specs[j].name)) return false;  // declared twice
    }
    if (spec.type == RLLOSS_ARG_STRING) {
      bool listed = spec.num_choices == 0;
      for (uint32_t c = 0; c < spec.num_choices; ++c) {
        listed = listed || same_name(spec.default_string, spec.choices[c]);
      }
      if (!listed) return false;  // a default that is not one of the choices
    } else if (spec.default_from == nullptr && !number_allowed(spec, spec.default_number) &&
               !(spec.type == RLLOSS_ARG_FLOAT && spec.default_number != spec.default_number)) {
      return false;  // a default outside the range (a NaN one is required_float_arg's)
    }
    if (spec.default_from != nullptr) {
      bool found = false;
      for (size_t j = 0; j < N; ++j) {
        found = found || (same_name(spec.default_from, specs[j].name) &&
                          specs[j].default_from == nullptr && specs[j].type == spec.type);
      }
      if (!found) return false;  // default_from names no plain argument of this type
    }
  }
  return true;
}

template <class Args, class T>
void store(Args& args, const ArgField<Args, T>& field, const contract::ArgSlot& slot) {
  if constexpr (std::is_same_v<T, std::string>) {
    args.*field.member = slot.string;
  } else if constexpr (std::is_same_v<T, bool>) {
    args.*field.member = slot.number != 0;
  } else {
    args.*field.member = static_cast<T>(slot.number);
  }
}

template <class Args, class Fields, size_t... I>
Args decode(const Fields& fields, [[maybe_unused]] const contract::ArgSlot* slots,
            std::index_sequence<I...>) {
  Args args{};
  (store(args, std::get<I>(fields), slots[I]), ...);
  return args;
}

template <class Fields>
inline constexpr size_t kNumFields = std::tuple_size_v<std::decay_t<Fields>>;

template <class Math>
constexpr auto make_specs() {
  constexpr auto aggregation = aggregation_fields(kDefaultAggMode<Math>);
  return std::apply(
      [&](const auto&... own) {
        return std::array<rlloss_arg_spec, sizeof...(own) + 2>{
            own.spec..., std::get<0>(aggregation).spec, std::get<1>(aggregation).spec};
      },
      Math::kArgs);
}

}  // namespace detail

// The schema of a Math type (its own arguments, then the aggregation ones) and the decoding of
// resolved slots, in that order, into its typed Args and the AggregationArgs.
template <class Math>
struct ArgSchema {
  using Args = typename Math::Args;
  static constexpr size_t kNumOwn = detail::kNumFields<decltype(Math::kArgs)>;
  static constexpr auto kSpecs = detail::make_specs<Math>();
  static_assert(detail::schema_is_consistent(kSpecs),
                "the argument schema declares a name twice, a default outside its range or "
                "choices, or a default_from that names no argument of its type");

  static Args own_args(const std::vector<contract::ArgSlot>& slots) {
    return detail::decode<Args>(Math::kArgs, slots.data(), std::make_index_sequence<kNumOwn>{});
  }
  static AggregationArgs aggregation_args(const std::vector<contract::ArgSlot>& slots) {
    return detail::decode<AggregationArgs>(aggregation_fields(kDefaultAggMode<Math>),
                                           slots.data() + kNumOwn, std::make_index_sequence<2>{});
  }
};

}  // namespace rlloss::kit
