// The ABI as a third party reads it from plugin_api.h alone: the struct-size constants, and each
// shipped plugin's `create` called through dlopen with malformed versioned arrays and error
// buffers. Nothing here goes through the registry or the kit.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rlloss/plugin_api.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace rlloss {
namespace {

using ::testing::HasSubstr;

// The x86-64 / AArch64 LP64 sizes, counted by hand from the header's field lists.
static_assert(RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0 == 24, "struct_size, data, capacity");
static_assert(RLLOSS_ARG_SPEC_STRUCT_SIZE_1_0 == 96, "13 fields, default_from at 88");
static_assert(RLLOSS_ARG_VALUE_STRUCT_SIZE_1_0 == 40, "string at 32");
static_assert(RLLOSS_COMPUTE_CALL_STRUCT_SIZE_1_0 == 112, "metrics at 104");
static_assert(RLLOSS_PLUGIN_STRUCT_SIZE_1_0 == 104, "destroy at 96");
static_assert(RLLOSS_PLUGIN_STRUCT_SIZE_1_1 == 112, "flags at 104");

const rlloss_plugin* open_plugin(const char* path) {
  void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL);  // kept mapped, as hosts do
  if (library == nullptr) return nullptr;
  const auto entry = reinterpret_cast<rlloss_entry_fn>(dlsym(library, RLLOSS_ENTRY_SYMBOL));
  return entry != nullptr ? entry(RLLOSS_ABI_VERSION_MAJOR) : nullptr;
}

struct CreateResult {
  rlloss_status status;
  std::string message;
  bool made_instance;
};

CreateResult create_with(const rlloss_plugin& table, const void* values, uint32_t count,
                         uint64_t capacity = 512) {
  std::vector<char> text(capacity + 1, '\0');
  rlloss_error_buffer error{sizeof(rlloss_error_buffer), text.data(), capacity};
  rlloss_instance* instance = reinterpret_cast<rlloss_instance*>(&error);  // must become NULL
  const rlloss_status status =
      table.create(static_cast<const rlloss_arg_value*>(values), count, &instance, &error);
  table.destroy(instance);
  return {status, text.data(), instance != nullptr};
}

class AbiContract : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    table_ = open_plugin(GetParam());
    ASSERT_NE(table_, nullptr) << dlerror();
    ASSERT_GE(table_->num_args, 1u);
  }
  const rlloss_plugin* table_ = nullptr;
};

// Two elements whose struct_size is 8: element 1 would start inside element 0, where its `name`
// is the first element's name pointer read at the wrong offset (this crashed `create`).
TEST_P(AbiContract, ArgValueSmallerThanAbi10IsRefusedNotRead) {
  unsigned char bytes[2 * 8 + 64] = {};
  for (int element = 0; element < 2; ++element) {
    const uint32_t size = 8;
    std::memcpy(bytes + element * 8, &size, sizeof size);
    std::memset(bytes + element * 8 + 4, 0xAB, 4);  // garbage where a name pointer would be
  }
  const CreateResult result = create_with(*table_, bytes, 2);
  EXPECT_EQ(result.status, RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_FALSE(result.made_instance);
  EXPECT_THAT(result.message, HasSubstr("rlloss_arg_value[0].struct_size is 8, smaller than its "
                                        "ABI 1.0 size 40"));
}

TEST_P(AbiContract, ArgValueElementsOfDifferentSizesAreRefused) {
  rlloss_arg_value values[2] = {};
  values[0] = {sizeof(rlloss_arg_value), table_->args[0].name, table_->args[0].type,
               table_->args[0].default_number, table_->args[0].default_string};
  values[1] = values[0];
  values[1].struct_size = 8;
  const CreateResult result = create_with(*table_, values, 2);
  EXPECT_EQ(result.status, RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(result.message,
              HasSubstr("rlloss_arg_value[1].struct_size is 8, not the first element's 40"));
}

TEST_P(AbiContract, NullValuesWithACountAreRefused) {
  const CreateResult result = create_with(*table_, nullptr, 2);
  EXPECT_EQ(result.status, RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(result.message, HasSubstr("the rlloss_arg_value array is NULL but its count is 2"));
}

// A larger struct_size (a newer minor's elements) is read at its stride.
TEST_P(AbiContract, ArgValuesOfANewerMinorAreReadAtTheirStride) {
  struct NewerValue {
    rlloss_arg_value v;
    double appended_field;
  };
  NewerValue values[1] = {};
  const rlloss_arg_spec& spec = table_->args[0];
  // A NaN default means the argument has none (dro_beta): give it a value inside its range.
  const double number = std::isnan(spec.default_number) ? spec.min_value + 1 : spec.default_number;
  values[0].v = {sizeof(NewerValue), spec.name, spec.type, number, spec.default_string};
  const CreateResult result = create_with(*table_, values, 1);
  EXPECT_EQ(result.status, RLLOSS_OK) << result.message;
  EXPECT_TRUE(result.made_instance);
}

TEST_P(AbiContract, ErrorBufferBelowAbi10IsNeverWritten) {
  rlloss_arg_value unknown{sizeof(rlloss_arg_value), "no_such_argument", RLLOSS_ARG_FLOAT, 1.0,
                           nullptr};
  for (const uint32_t size : {0u, 4u, 16u}) {
    char text[64];
    std::memset(text, 'x', sizeof text);
    rlloss_error_buffer error{size, text, sizeof text};
    rlloss_instance* instance = nullptr;
    EXPECT_EQ(table_->create(&unknown, 1, &instance, &error), RLLOSS_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(instance, nullptr);
    EXPECT_EQ(std::string(text, sizeof text), std::string(sizeof text, 'x')) << "size " << size;
  }
}

bool ends_between_utf8_characters(const std::string& text) {
  // Walk back over continuation bytes to the last lead byte; the sequence it starts must be whole.
  size_t lead = text.size();
  while (lead > 0 && (static_cast<unsigned char>(text[lead - 1]) & 0xC0) == 0x80) --lead;
  if (lead == 0) return text.empty();
  const auto byte = static_cast<unsigned char>(text[lead - 1]);
  const size_t length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
  return text.size() - (lead - 1) == length;
}

// Every capacity gives a prefix of the whole message that never ends inside a character.
TEST_P(AbiContract, TruncatedMessagesNeverCutAUtf8Character) {
  const std::string name = "\xCF\x84\xE2\x82\xAC\xF0\x9F\x98\x80_tau";  // tau, euro sign, emoji
  rlloss_arg_value unknown{sizeof(rlloss_arg_value), name.c_str(), RLLOSS_ARG_FLOAT, 1.0, nullptr};
  const std::string whole = create_with(*table_, &unknown, 1, 4096).message;
  ASSERT_THAT(whole, HasSubstr(name));
  for (uint64_t capacity = 1; capacity <= whole.size() + 1; ++capacity) {
    const std::string cut = create_with(*table_, &unknown, 1, capacity).message;
    ASSERT_LE(cut.size(), capacity - 1);
    ASSERT_EQ(whole.compare(0, cut.size(), cut), 0) << "capacity " << capacity;
    ASSERT_TRUE(ends_between_utf8_characters(cut)) << "capacity " << capacity << ": " << cut;
    ASSERT_GE(cut.size() + 3, capacity - 1) << "cut more than one character's bytes";
  }
}

INSTANTIATE_TEST_SUITE_P(ShippedPlugins, AbiContract,
                         ::testing::Values(RLLOSS_TEST_SHIPPED_PLUGIN_FILES));

}  // namespace
}  // namespace rlloss
