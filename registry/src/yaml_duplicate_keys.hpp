// A YAML mapping that names one key twice: yaml-cpp keeps both and a lookup sees the first, while
// OmegaConf (which verl's configs go through) refuses the file. We refuse it too.
#pragma once

#include <string>

namespace rlloss::detail {

// Throws RegistryError naming the source, both lines and the key's path when any mapping of the
// first document of `text` (the one YAML::Load reads) repeats a scalar key. Reads the text's events
// once (aliases are not expanded, so the cost is linear in the text). `text` must already parse.
void reject_duplicate_keys(const std::string& text, const std::string& source_name);

}  // namespace rlloss::detail
