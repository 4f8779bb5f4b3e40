#include "yaml_duplicate_keys.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <rlloss/registry.hpp>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace rlloss::detail {
namespace {

// Follows the event stream with one frame per open mapping or sequence; in a mapping, events
// alternate between a key and its value.
class DuplicateKeyFinder : public YAML::EventHandler {
 public:
  explicit DuplicateKeyFinder(std::string source_name) : source_name_(std::move(source_name)) {}

  void OnDocumentStart(const YAML::Mark&) override { frames_.clear(); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { atom(mark, "~", false); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { atom(mark, "*", false); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string& value) override {
    atom(mark, value, true);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    open(false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    open(true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    bool is_map = false;
    bool expecting_key = true;                       // in a mapping: the next node is a key
    std::string path;                                // of this node, e.g. "actor_rollout_ref.actor"
    std::string key;                                 // in a mapping: the key whose value comes next
    size_t index = 0;                                // in a sequence: the next element's index
    std::unordered_map<std::string, int> key_lines;  // in a mapping: each scalar key's line
  };

  // The path of the node about to start inside the top frame.
  std::string child_path() const {
    if (frames_.empty()) return "";
    const Frame& top = frames_.back();
    if (!top.is_map) return top.path + "[" + std::to_string(top.index) + "]";
    return top.path.empty() ? top.key : top.path + "." + top.key;
  }

  void atom(const YAML::Mark& mark, const std::string& value, bool is_scalar) {
    if (!frames_.empty() && frames_.back().is_map && frames_.back().expecting_key) {
      Frame& map = frames_.back();
      map.key = is_scalar ? value : "<" + value + ">";
      map.expecting_key = false;
      if (!is_scalar) return;
      const auto [it, inserted] = map.key_lines.emplace(value, mark.line + 1);
      if (!inserted) {
        const std::string path = map.path.empty() ? value : map.path + "." + value;
        throw RegistryError(source_name_ + ":" + std::to_string(mark.line + 1) +
                            ": duplicate key '" + path + "' (first at line " +
                            std::to_string(it->second) +
                            "); a YAML mapping names each key once (OmegaConf refuses this too)");
      }
      return;
    }
    finished();
  }

  void open(bool is_map) {
    Frame frame;
    frame.is_map = is_map;
    frame.path = child_path();
    if (!frames_.empty() && frames_.back().is_map && frames_.back().expecting_key) {
      frames_.back().key = is_map ? "<map key>" : "<sequence key>";  // a complex key
      frame.path = frames_.back().path + ".<complex key>";
    }
    frames_.push_back(std::move(frame));
  }

  void close() {
    frames_.pop_back();
    finished();
  }

  // A node (key or value) ended inside the top frame.
  void finished() {
    if (frames_.empty()) return;
    Frame& top = frames_.back();
    if (top.is_map) {
      top.expecting_key = !top.expecting_key;
    } else {
      ++top.index;
    }
  }

  std::string source_name_;
  std::vector<Frame> frames_;
};

}  // namespace

void reject_duplicate_keys(const std::string& text, const std::string& source_name) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DuplicateKeyFinder finder(source_name);
  try {
    parser.HandleNextDocument(finder);  // the first document only, as YAML::Load reads
  } catch (const YAML::Exception& e) {
    throw RegistryError(source_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
}

}  // namespace rlloss::detail
