// Writing a file so that readers see either the old file or the whole new one, never a part.
#pragma once

#include <filesystem>
#include <string>

namespace rlloss::train {

// Writes `bytes` to a temporary file beside `path`, syncs it to disk, then renames it over `path`.
// Throws std::runtime_error naming the file and the system's reason (a full disk, a file size
// limit, a missing directory); the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& bytes);

// Checks that `dir` is a writable directory, or could be created (its nearest existing ancestor
// is one), without creating anything; throws std::runtime_error saying why not. For output paths,
// before a run spends time on work it could not save.
void check_writable_directory(const std::filesystem::path& dir);

std::string read_whole_file(const std::filesystem::path& path);

}  // namespace rlloss::train
