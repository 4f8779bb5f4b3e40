// Sanity checks of a plugin table before the host trusts it.
#pragma once

#include <rlloss/plugin_api.h>

#include <string>

namespace rlloss::detail {

// Empty when the table is usable by this host, else the reason (names both ABI versions on a
// major mismatch).
std::string table_problem(const rlloss_plugin* table);

bool is_identifier(const char* text);

}  // namespace rlloss::detail
