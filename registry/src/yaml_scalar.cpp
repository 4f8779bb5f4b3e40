#include <algorithm>
#include <cmath>
#include <rlloss/yaml_scalar.hpp>
#include <vector>

namespace rlloss::yaml_scalar {

bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!";
}

std::string read_number(const YAML::Node& node, const char* type_name, double& out) {
  if (is_quoted(node)) {
    const bool vowel = std::string("aeiou").find(type_name[0]) != std::string::npos;
    return std::string("a quoted string where ") + (vowel ? "an " : "a ") + type_name + " belongs";
  }
  if (!YAML::convert<double>::decode(node, out)) return "not a number";
  return "";
}

std::string read_integer(const YAML::Node& node, int64_t& out) {
  double number = 0;
  const std::string problem = read_number(node, "int", number);
  if (!problem.empty()) return problem;
  // 2^63 itself does not fit; every double below it that is integral does.
  if (!(number == std::floor(number)) || number < -9.2233720368547758e18 ||
      number >= 9.2233720368547758e18) {
    return "not an integer";
  }
  out = static_cast<int64_t>(number);
  return "";
}

std::string read_bool(const YAML::Node& node, bool& out) {
  static const std::vector<std::string> kTrue = {"true", "True", "TRUE"};
  static const std::vector<std::string> kFalse = {"false", "False", "FALSE"};
  static const std::vector<std::string> kYaml11 = {"yes", "Yes", "YES", "no",  "No",  "NO",
                                                   "on",  "On",  "ON",  "off", "Off", "OFF",
                                                   "y",   "Y",   "n",   "N"};
  if (is_quoted(node)) return "a quoted string where a bool belongs";
  const std::string& text = node.Scalar();
  const auto among = [&](const std::vector<std::string>& words) {
    return std::find(words.begin(), words.end(), text) != words.end();
  };
  if (among(kTrue) || among(kFalse)) {
    out = among(kTrue);
    return "";
  }
  if (among(kYaml11)) return "a YAML 1.1 boolean spelling, ambiguous between readers";
  return "not a bool";
}

}  // namespace rlloss::yaml_scalar
