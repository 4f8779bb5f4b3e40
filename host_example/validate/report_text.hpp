// Report rows as text, one line each: how a child process hands its check results to validate.
#pragma once

#include <string>
#include <vector>

#include "report_table.hpp"

namespace rlloss::validate {

// "row\t<plugin>\t<check>\t<variant>\t<max error>\t<tolerance>\t<0|1>\t<detail>\n" per row, with
// backslash, tab and newline escaped in the text fields.
std::string rows_to_text(const std::vector<ReportRow>& rows);

// The rows of `text` (lines not starting with "row\t" are ignored); throws std::runtime_error on a
// malformed row.
std::vector<ReportRow> rows_from_text(const std::string& text);

// One field escaped / unescaped as above.
std::string escape_field(const std::string& text);
std::string unescape_field(const std::string& text);

}  // namespace rlloss::validate
