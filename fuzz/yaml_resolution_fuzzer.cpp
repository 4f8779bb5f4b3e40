// Fuzzes YAML resolution: arbitrary text as a trainer YAML (and, after a NUL byte, one override
// "key=value" per line) through parse_trainer_yaml, plugin_dirs_from_yaml, the trainer's own keys
// (read_train_config), resolve_loss_config and create_loss with the real plugins. RegistryError is
// the expected way to refuse; anything else escaping (another exception, a crash, a sanitizer
// report, a leak) is a finding.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <rlloss/loss_config.hpp>
#include <rlloss/registry.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "train_config.hpp"

namespace {

const rlloss::Registry& registry() {
  static const rlloss::Registry* loaded = [] {
    auto* r = new rlloss::Registry();  // lives for the whole run, as in a host
    r->load_file(RLLOSS_FUZZ_SAPO_PLUGIN);
    r->load_file(RLLOSS_FUZZ_PPO_CLIP_PLUGIN);
    return r;
  }();
  return *loaded;
}

std::vector<rlloss::LossOverride> parse_overrides(const std::string& text) {
  std::vector<rlloss::LossOverride> overrides;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) overrides.push_back(rlloss::parse_override(line));
  return overrides;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // warnings about questionable settings are expected
  registry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\0');
  const std::string yaml_text = input.substr(0, split);
  try {
    const rlloss::TrainerYaml yaml = rlloss::parse_trainer_yaml(yaml_text, "/nonexistent-fuzz-dir");
    try {
      rlloss::plugin_dirs_from_yaml(yaml);
    } catch (const rlloss::RegistryError&) {
    }
    try {
      rlloss::train::read_train_config(yaml);
    } catch (const rlloss::RegistryError&) {
    }
    std::vector<rlloss::LossOverride> overrides;
    if (split != std::string::npos) overrides = parse_overrides(input.substr(split + 1));
    const rlloss::ResolvedLossConfig config =
        rlloss::resolve_loss_config(registry(), yaml, overrides);
    for (const rlloss::LossArg& arg : config.args.entries()) arg.text();
    // What the host resolved, the plugin's own create must accept.
    rlloss::create_loss(registry(), config);
  } catch (const rlloss::RegistryError&) {
  }
  return 0;
}
