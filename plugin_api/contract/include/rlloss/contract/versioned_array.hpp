// Arrays of versioned structs (a plugin's rlloss_arg_spec schema, the rlloss_arg_value array given
// to `create`): strided by the first element's struct_size, which must cover the ABI 1.0 fields,
// and every element must carry that same size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rlloss::contract {

// Element i, strided by the first element's struct_size. Call array_problem() first.
template <class Struct>
const Struct& versioned_at(const Struct* first, uint32_t i) {
  const auto stride = first->struct_size;
  return *reinterpret_cast<const Struct*>(reinterpret_cast<const char*>(first) +
                                          static_cast<size_t>(stride) * i);
}

// Empty when the `count` elements at `first` can be read, else what is wrong, e.g.
// "rlloss_arg_value[1].struct_size is 8, not the first element's 40".
template <class Struct>
std::string array_problem(const Struct* first, uint32_t count, size_t size_1_0,
                          const char* type_name) {
  if (count == 0) return "";
  if (first == nullptr) {
    return std::string("the ") + type_name + " array is NULL but its count is " +
           std::to_string(count);
  }
  const uint32_t stride = first->struct_size;
  if (stride < size_1_0) {
    return std::string(type_name) + "[0].struct_size is " + std::to_string(stride) +
           ", smaller than its ABI 1.0 size " + std::to_string(size_1_0) + " (set it to sizeof(" +
           type_name + "))";
  }
  for (uint32_t i = 1; i < count; ++i) {
    const uint32_t size = versioned_at(first, i).struct_size;
    if (size != stride) {
      return std::string(type_name) + "[" + std::to_string(i) + "].struct_size is " +
             std::to_string(size) + ", not the first element's " + std::to_string(stride) +
             " (every element of one array has one size)";
    }
  }
  return "";
}

}  // namespace rlloss::contract
