// "did you mean" for a misspelt name: the closest known name by edit distance.
#pragma once

#include <string>
#include <vector>

namespace rlloss::detail {

std::string join(const std::vector<std::string>& items, const char* separator);

// "; did you mean 'x'?" for the closest candidate within a third of its length, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rlloss::detail
