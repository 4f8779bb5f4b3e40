// The value-dtype and mask-dtype dispatch, written once for every backend: a Dtype read at run
// time becomes the C++ type a stage is instantiated for. A backend lists the value types it
// serves (CUDA adds float16 and bfloat16, whose DtypeOf it declares itself).
#pragma once

#include <cstdint>
#include <rlloss/kit/error.hpp>
#include <rlloss/kit/tensors.hpp>
#include <string>

namespace rlloss::kit {

template <class... Ts>
struct TypeList {};

template <class T>
struct TypeTag {
  using type = T;
};

template <class List>
struct TypeCount;
template <class... Ts>
struct TypeCount<TypeList<Ts...>> {
  static constexpr int value = static_cast<int>(sizeof...(Ts));
};

// The position of T in a TypeList.
template <class T, class List>
struct IndexIn;
template <class T, class... Rest>
struct IndexIn<T, TypeList<T, Rest...>> {
  static constexpr int value = 0;
};
template <class T, class U, class... Rest>
struct IndexIn<T, TypeList<U, Rest...>> {
  static constexpr int value = 1 + IndexIn<T, TypeList<Rest...>>::value;
};

// The Dtype whose elements a C++ type holds.
template <class T>
struct DtypeOf;
template <>
struct DtypeOf<float> {
  static constexpr Dtype value = Dtype::float32;
};
template <>
struct DtypeOf<double> {
  static constexpr Dtype value = Dtype::float64;
};
template <>
struct DtypeOf<uint8_t> {
  static constexpr Dtype value = Dtype::byte;
};

// What a response_mask may hold (validated_call checks the dtype is one of these).
using MaskTypes = TypeList<uint8_t, float, double>;

// Calls f(TypeTag<T>{}) for the T of `list` whose dtype is `dtype`.
template <class F, class... Ts>
void with_type(TypeList<Ts...>, Dtype dtype, const char* what, F&& f) {
  bool found = false;
  ((!found && DtypeOf<Ts>::value == dtype ? (found = true, f(TypeTag<Ts>{}), 0) : 0), ...);
  if (!found)
    fail_unsupported(std::string(what) + " has dtype " + dtype_name(dtype) +
                     ", which this backend does not serve");
}

// Calls f(TypeTag<T>{}, TypeTag<M>{}) for the call's value type T (one of `values`) and mask
// type M.
template <class ValueTypes, class F>
void with_value_and_mask_types(Dtype value_dtype, Dtype mask_dtype, F&& f) {
  with_type(ValueTypes{}, value_dtype, "log_prob", [&](auto value) {
    with_type(MaskTypes{}, mask_dtype, "response_mask", [&](auto mask) { f(value, mask); });
  });
}

}  // namespace rlloss::kit
