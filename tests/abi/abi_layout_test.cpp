// The ABI header compiled as C++: the same layout as the C translation unit, checked at compile
// time, and the C compiler's measurements compared with the C++ compiler's at run time.
#include <gtest/gtest.h>
#include <rlloss/plugin_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "abi_expected_layout.h"

#define RLLOSS_CHECK_SIZE(type, size) \
  static_assert(sizeof(type) == (size), "sizeof(" #type ") changed");
#define RLLOSS_CHECK_OFFSET(type, field, offset) \
  static_assert(offsetof(type, field) == (offset), "offsetof(" #type ", " #field ") changed");
RLLOSS_EXPECTED_SIZES(RLLOSS_CHECK_SIZE)
RLLOSS_EXPECTED_OFFSETS(RLLOSS_CHECK_OFFSET)

static_assert(std::is_same_v<rlloss_entry_fn, const rlloss_plugin* (*)(uint32_t)>,
              "the entry point's type is part of the ABI");
static_assert(std::is_standard_layout_v<rlloss_plugin> && std::is_trivial_v<rlloss_plugin>,
              "ABI structs must be plain C structs");

namespace rlloss {
namespace {

struct Expected {
  std::string type;
  std::string field;
  unsigned long expected;
  unsigned long cpp_value;
};

std::vector<Expected> expected_layout() {
#define RLLOSS_LIST_SIZE(type, size) {#type, "", size, sizeof(type)},
#define RLLOSS_LIST_OFFSET(type, field, offset) {#type, #field, offset, offsetof(type, field)},
  return {RLLOSS_EXPECTED_SIZES(RLLOSS_LIST_SIZE) RLLOSS_EXPECTED_OFFSETS(RLLOSS_LIST_OFFSET)};
#undef RLLOSS_LIST_SIZE
#undef RLLOSS_LIST_OFFSET
}

TEST(AbiLayout, CAndCppCompilersAgreeOnEveryStruct) {
  const rlloss_abi_measurement* c_values = nullptr;
  const unsigned long count = rlloss_abi_c_measurements(&c_values);
  const std::vector<Expected> expected = expected_layout();
  ASSERT_EQ(count, expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string what = expected[i].field.empty()
                                 ? "sizeof(" + expected[i].type + ")"
                                 : "offsetof(" + expected[i].type + ", " + expected[i].field + ")";
    EXPECT_EQ(c_values[i].type, expected[i].type) << what;
    EXPECT_EQ(c_values[i].field, expected[i].field) << what;
    EXPECT_EQ(c_values[i].value, expected[i].expected) << what << " as C sees it";
    EXPECT_EQ(expected[i].cpp_value, expected[i].expected) << what << " as C++ sees it";
  }
}

TEST(AbiLayout, LayoutFileDescribesThisAbiMajor) {
  // The offsets above are ABI 1's; another major needs its own expected layout.
  EXPECT_EQ(RLLOSS_ABI_VERSION_MAJOR, 1);
  EXPECT_STREQ(RLLOSS_ENTRY_SYMBOL, "rlloss_plugin_entry");
  EXPECT_EQ(RLLOSS_OK, 0);
}

}  // namespace
}  // namespace rlloss
