#include "report_text.hpp"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace rlloss::validate {
namespace {

std::string number(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

}  // namespace

std::string escape_field(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_field(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[++i];
    out += next == 't' ? '\t' : next == 'n' ? '\n' : next;
  }
  return out;
}

std::string rows_to_text(const std::vector<ReportRow>& rows) {
  std::string text;
  for (const ReportRow& row : rows) {
    const CheckResult& r = row.result;
    text += "row\t" + escape_field(row.plugin) + "\t" + escape_field(r.name) + "\t" +
            escape_field(r.variant) + "\t" + number(r.max_error) + "\t" + number(r.tolerance) +
            "\t" + (r.passed ? "1" : "0") + "\t" + escape_field(r.detail) + "\n";
  }
  return text;
}

std::vector<ReportRow> rows_from_text(const std::string& text) {
  std::vector<ReportRow> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("row\t", 0) != 0) continue;
    const std::vector<std::string> fields = split_tabs(line);
    if (fields.size() != 8) throw std::runtime_error("malformed report row: " + line);
    ReportRow row;
    row.plugin = unescape_field(fields[1]);
    row.result.name = unescape_field(fields[2]);
    row.result.variant = unescape_field(fields[3]);
    row.result.max_error = std::strtod(fields[4].c_str(), nullptr);
    row.result.tolerance = std::strtod(fields[5].c_str(), nullptr);
    row.result.passed = fields[6] == "1";
    row.result.detail = unescape_field(fields[7]);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace rlloss::validate
