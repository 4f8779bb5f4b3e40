// Runs the built host_example, without RLLOSS_PLUGIN_PATH from the test's environment.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace rlloss::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_host_example(const std::string& arguments) {
  const std::string command =
      "env -u RLLOSS_PLUGIN_PATH '" RLLOSS_TEST_HOST_EXAMPLE "' " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

struct Streams {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// As run_host_example, with stdout and stderr kept apart.
inline Streams run_host_example_streams(const std::string& arguments) {
  const auto read_file = [](const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  };
  const std::string base = "/tmp/rlloss_streams_" + std::to_string(getpid());
  const std::string command = "env -u RLLOSS_PLUGIN_PATH '" RLLOSS_TEST_HOST_EXAMPLE "' " +
                              arguments + " >" + base + ".out 2>" + base + ".err";
  const int status = std::system(command.c_str());
  Streams streams;
  streams.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  streams.out = read_file(base + ".out");
  streams.err = read_file(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return streams;
}

}  // namespace rlloss::test
