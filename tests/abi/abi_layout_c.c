/* The ABI header compiled as C99 (-pedantic -Werror), with its layout checked at compile time. */
#include <rlloss/plugin_api.h>
#include <stddef.h>

#include "abi_expected_layout.h"

/* _Static_assert is C11; __extension__ keeps -std=c99 -pedantic from rejecting it. */
#define RLLOSS_C_STATIC_ASSERT(condition, message) __extension__ _Static_assert(condition, message)

#define RLLOSS_CHECK_SIZE(type, size) \
  RLLOSS_C_STATIC_ASSERT(sizeof(type) == (size), "sizeof(" #type ") changed");
#define RLLOSS_CHECK_OFFSET(type, field, offset)            \
  RLLOSS_C_STATIC_ASSERT(offsetof(type, field) == (offset), \
                         "offsetof(" #type ", " #field ") changed");

RLLOSS_EXPECTED_SIZES(RLLOSS_CHECK_SIZE)
RLLOSS_EXPECTED_OFFSETS(RLLOSS_CHECK_OFFSET)

RLLOSS_C_STATIC_ASSERT(RLLOSS_OK == 0, "RLLOSS_OK must be zero");

#define RLLOSS_MEASURE_SIZE(type, size) {#type, "", sizeof(type)},
#define RLLOSS_MEASURE_OFFSET(type, field, offset) {#type, #field, offsetof(type, field)},

static const rlloss_abi_measurement kMeasurements[] = {
    RLLOSS_EXPECTED_SIZES(RLLOSS_MEASURE_SIZE) RLLOSS_EXPECTED_OFFSETS(RLLOSS_MEASURE_OFFSET)};

unsigned long rlloss_abi_c_measurements(const rlloss_abi_measurement** out) {
  *out = kMeasurements;
  return sizeof kMeasurements / sizeof kMeasurements[0];
}
