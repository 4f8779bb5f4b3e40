// `host_example list`: every plugin on the search path with its metadata and argument schema.
#include <algorithm>
#include <iostream>
#include <rlloss/contract/arg_schema.hpp>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

#include "commands.hpp"

namespace rlloss::host {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
  return text.empty() ? "none" : text;
}

std::string default_text(const rlloss_arg_spec& spec) {
  if (spec.default_from != nullptr) return std::string("= ") + spec.default_from;
  if (contract::is_required(spec)) return "required";
  switch (spec.type) {
    case RLLOSS_ARG_STRING: return spec.default_string ? spec.default_string : "";
    case RLLOSS_ARG_BOOL: return spec.default_number != 0 ? "true" : "false";
    default: return contract::format_number(spec.default_number);
  }
}

std::string padded(const std::string& text, size_t width) {
  return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

// One aligned row per argument (name, type, default, allowed), its doc on the line below.
void print_arguments(const LoadedPlugin& plugin) {
  std::vector<std::vector<std::string>> rows = {{"name", "type", "default", "allowed"}};
  std::vector<std::string> docs = {""};
  for (const rlloss_arg_spec* spec : plugin.args()) {
    rows.push_back({spec->name, contract::arg_type_name(spec->type), default_text(*spec),
                    contract::describe_allowed(*spec)});
    docs.emplace_back(spec->doc ? spec->doc : "");
  }
  std::vector<size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  const std::string doc_indent(4 + widths[0] + 2, ' ');
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line = "    ";
    for (size_t c = 0; c + 1 < rows[r].size(); ++c) line += padded(rows[r][c], widths[c] + 2);
    std::cout << line << rows[r].back() << "\n";
    if (!docs[r].empty()) std::cout << doc_indent << docs[r] << "\n";
  }
}

void print_plugin(const LoadedPlugin& plugin) {
  std::cout << plugin.name() << " " << plugin.version() << "\n"
            << "  description: " << plugin.description() << "\n"
            << "  file:        " << plugin.path().string() << "\n"
            << "  devices:     " << join(plugin.device_names()) << "\n"
            << "  metrics:     " << join(plugin.metric_names()) << "\n"
            << "  arguments:\n";
  print_arguments(plugin);
}

}  // namespace

int run_list(const CommonOptions& common) {
  Registry registry;
  registry.load_search_path(common.plugin_dirs);
  const auto plugins = registry.plugins();
  if (plugins.empty()) {
    std::vector<std::string> searched;
    for (const auto& dir : Registry::search_path(common.plugin_dirs)) {
      searched.push_back(dir.string());
    }
    std::cerr << "no plugins found; searched: " << join(searched)
              << "\n(add directories with --plugin-dir or RLLOSS_PLUGIN_PATH, colon-separated; "
                 "-v logs why files were skipped)\n";
    return 1;
  }
  for (size_t i = 0; i < plugins.size(); ++i) {
    if (i > 0) std::cout << "\n";
    print_plugin(*plugins[i]);
  }
  return 0;
}

}  // namespace rlloss::host
