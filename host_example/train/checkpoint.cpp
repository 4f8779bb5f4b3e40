#include "checkpoint.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "atomic_file.hpp"

namespace rlloss::train {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kFormatVersion = 1;

// The step in a checkpoint's file name, or -1 when the name is not one.
int64_t step_of(const fs::path& file) {
  static const std::regex name("step-([0-9]{8,18})\\.ckpt");
  std::smatch match;
  const std::string filename = file.filename().string();
  if (!std::regex_match(filename, match, name)) return -1;
  return std::stoll(match[1].str());
}

std::vector<std::pair<int64_t, fs::path>> checkpoints_in(const fs::path& dir) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const int64_t step = step_of(entry.path());
    if (step >= 0 && entry.is_regular_file(ec)) found.emplace_back(step, entry.path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The history as one text of names (a line per step, names separated by tabs) and one float64
// tensor of every value in the same order: exact, and two archive entries whatever its length.
void write_history(torch::serialize::OutputArchive& archive,
                   const std::vector<StepMetrics>& history) {
  std::string names;
  std::vector<double> values;
  for (const StepMetrics& step : history) {
    for (const auto& [name, value] : step.entries()) {
      names += name + "\t";
      values.push_back(value);
    }
    names += "\n";
  }
  archive.write("history_names", c10::IValue(names));
  archive.write("history_values", torch::tensor(values, torch::kFloat64));
}

std::vector<StepMetrics> read_history(torch::serialize::InputArchive& archive) {
  c10::IValue names_value;
  torch::Tensor values;
  archive.read("history_names", names_value);
  archive.read("history_values", values);
  const std::string names = names_value.toStringRef();
  std::vector<StepMetrics> history;
  std::istringstream lines(names);
  std::string line;
  int64_t index = 0;
  while (std::getline(lines, line)) {
    StepMetrics step;
    size_t start = 0;
    for (size_t tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', start)) {
      if (index >= values.numel()) throw std::runtime_error("the metrics history is truncated");
      step.set(line.substr(start, tab - start), values[index++].item<double>());
      start = tab + 1;
    }
    history.push_back(step);
  }
  return history;
}

int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor value;
  archive.read(key, value);
  return value.item<int64_t>();
}

std::string read_string(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  archive.read(key, value);
  return value.toStringRef();
}

}  // namespace

fs::path checkpoint_path(const fs::path& dir, int64_t step) {
  char name[40];
  std::snprintf(name, sizeof(name), "step-%08lld.ckpt", static_cast<long long>(step));
  return dir / name;
}

void write_checkpoint(const fs::path& file, const TrainerState& state,
                      const CheckpointExtras& extras) {
  torch::serialize::OutputArchive archive;
  archive.write("format_version", torch::tensor(kFormatVersion));
  torch::serialize::OutputArchive model;
  state.model->save(model);
  archive.write("model", model);
  torch::serialize::OutputArchive optimizer;
  state.optimizer.save(optimizer);
  archive.write("optimizer", optimizer);
  std::ostringstream prompt_rng;
  prompt_rng << state.prompt_rng;
  archive.write("prompt_rng", c10::IValue(prompt_rng.str()));
  archive.write("torch_rng", at::detail::getDefaultCPUGenerator().get_state());
  archive.write("steps_done", torch::tensor(state.steps_done));
  write_history(archive, state.history);
  archive.write("metrics_bytes", torch::tensor(extras.metrics_bytes));
  archive.write("fingerprint", c10::IValue(extras.fingerprint));
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(file, bytes.str());
}

namespace {

std::string digest_of(const std::string& bytes) {
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (const unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
  std::ostringstream text;
  text << std::hex << hash << " (" << std::dec << bytes.size() << " bytes)";
  return text.str();
}

}  // namespace

CheckpointExtras read_checkpoint(const fs::path& file, TrainerState& state) {
  const std::string bytes = read_whole_file(file);
  CheckpointExtras extras;
  extras.digest = digest_of(bytes);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size());
    const int64_t version = read_int(archive, "format_version");
    if (version != kFormatVersion) {
      throw std::runtime_error("format version " + std::to_string(version) + ", this build reads " +
                               std::to_string(kFormatVersion));
    }
    // Module::load replaces a parameter of another shape instead of refusing it.
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    for (const auto& p : state.model->named_parameters()) {
      shapes.emplace_back(p.key(), p.value().sizes().vec());
    }
    torch::serialize::InputArchive model;
    archive.read("model", model);
    state.model->load(model);
    for (const auto& [name, shape] : shapes) {
      const auto loaded = state.model->named_parameters()[name].sizes().vec();
      if (loaded != shape) {
        throw std::runtime_error("the model's " + name + " has shape " +
                                 c10::str(c10::IntArrayRef(loaded)) + ", this configuration's " +
                                 c10::str(c10::IntArrayRef(shape)));
      }
    }
    torch::serialize::InputArchive optimizer;
    archive.read("optimizer", optimizer);
    state.optimizer.load(optimizer);
    std::istringstream prompt_rng(read_string(archive, "prompt_rng"));
    prompt_rng >> state.prompt_rng;
    if (!prompt_rng) throw std::runtime_error("the prompt generator's state does not parse");
    torch::Tensor torch_rng;
    archive.read("torch_rng", torch_rng);
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    generator.set_state(torch_rng);
    state.steps_done = read_int(archive, "steps_done");
    state.history = read_history(archive);
    if (!state.history.empty()) {
      state.elapsed_s = state.history.back().get("timing/elapsed_s");
      state.cpu_s = state.history.back().get("timing/cpu_s");
    }
    extras.metrics_bytes = read_int(archive, "metrics_bytes");
    extras.fingerprint = read_string(archive, "fingerprint");
  } catch (const std::exception& e) {
    // LibTorch's messages carry a C++ backtrace; its first line says what went wrong.
    const std::string what = e.what();
    throw std::runtime_error("cannot resume from " + file.string() + ": " +
                             what.substr(0, what.find('\n')));
  }
  if (state.history.size() != static_cast<size_t>(state.steps_done)) {
    throw std::runtime_error("cannot resume from " + file.string() + ": it holds " +
                             std::to_string(state.history.size()) + " steps of metrics for " +
                             std::to_string(state.steps_done) + " steps done");
  }
  return extras;
}

std::optional<fs::path> latest_checkpoint(const fs::path& dir) {
  const auto found = checkpoints_in(dir);
  if (found.empty()) return std::nullopt;
  return found.back().second;
}

void remove_old_checkpoints(const fs::path& dir, int64_t keep) {
  if (keep <= 0) return;
  const auto found = checkpoints_in(dir);
  for (size_t i = 0; i + static_cast<size_t>(keep) < found.size(); ++i) {
    std::error_code ec;
    fs::remove(found[i].second, ec);
  }
}

}  // namespace rlloss::train
