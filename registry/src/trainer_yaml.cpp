// Reading a trainer YAML file, and the plugin directories it names.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <rlloss/loss_config.hpp>
#include <sstream>
#include <utility>

#include "yaml_duplicate_keys.hpp"
#include "yaml_values.hpp"

namespace rlloss {
namespace fs = std::filesystem;
using namespace detail;

TrainerYaml parse_trainer_yaml(const std::string& text, const fs::path& base_dir,
                               const std::string& source_name) {
  TrainerYaml yaml;
  yaml.base_dir = base_dir;
  yaml.source_name = source_name;
  try {
    yaml.root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw RegistryError(source_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw RegistryError(source_name + ": cannot read YAML: " + e.msg);
  }
  if (yaml.root.IsDefined() && !yaml.root.IsNull() && !yaml.root.IsMap()) {
    throw RegistryError(source_name + ": the top level is " + kind_name(yaml.root) +
                        ", not a map of trainer settings");
  }
  reject_duplicate_keys(text, source_name);
  return yaml;
}

TrainerYaml load_trainer_yaml(const fs::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    throw RegistryError("cannot open trainer YAML " + file.string() + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << stream.rdbuf();
  return parse_trainer_yaml(text.str(), fs::absolute(file).parent_path(), file.string());
}

std::vector<fs::path> plugin_dirs_from_yaml(const TrainerYaml& yaml) {
  const YAML::Node node = value_at(loss_sections(yaml).policy_loss, "plugin_dirs");
  std::vector<fs::path> dirs;
  if (!node.IsDefined() || node.IsNull()) return dirs;
  std::vector<std::pair<YAML::Node, std::string>> items;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      items.emplace_back(node[i], std::string(kPluginDirsPath) + "[" + std::to_string(i) + "]");
    }
  } else if (node.IsScalar()) {
    items.emplace_back(node, kPluginDirsPath);
  } else {
    fail_at(yaml_place(yaml, node, kPluginDirsPath), node,
            std::string(kind_name(node)) + " where a list of directories belongs");
  }
  for (const auto& [item, path] : items) {
    const Place place = yaml_place(yaml, item, path);
    if (!item.IsScalar()) {
      fail_at(place, item, std::string(kind_name(item)) + " where a directory (a string) belongs");
    }
    if (is_interpolation(item)) {
      spdlog::warn("{}{} = {}: interpolation not resolved here; directory ignored", place.prefix,
                   path, item.Scalar());
      continue;
    }
    const fs::path dir = yaml.base_dir / item.Scalar();
    if (!fs::is_directory(dir)) {
      fail_at(place, item, "directory " + dir.string() + " does not exist");
    }
    dirs.push_back(dir);
  }
  return dirs;
}

}  // namespace rlloss
