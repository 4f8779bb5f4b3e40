// Every host_example command writes its errors to stderr (stdout carries results only) and exits
// non-zero.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Streams {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

Streams run_host_example(const std::string& arguments) {
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

struct BadCommand {
  const char* label;
  const char* arguments;
  const char* message;
};

class CommandError : public ::testing::TestWithParam<BadCommand> {};

TEST_P(CommandError, GoesToStderrWithANonZeroExitCode) {
  const Streams streams = run_host_example(GetParam().arguments);
  EXPECT_NE(streams.exit_code, 0);
  EXPECT_THAT(streams.err, HasSubstr(GetParam().message));
  EXPECT_THAT(streams.out, IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    EveryCommand, CommandError,
    ::testing::Values(BadCommand{"list", "--plugin-dir /nonexistent/rlloss list", "does not exist"},
                      BadCommand{"config", "config --config /nonexistent/trainer.yaml",
                                 "cannot open trainer YAML /nonexistent/trainer.yaml"},
                      BadCommand{"validate", "validate --library /nonexistent/librlloss_x.so",
                                 "does not exist"},
                      BadCommand{"train", "train --config /nonexistent/trainer.yaml",
                                 "File does not exist: /nonexistent/trainer.yaml"},
                      BadCommand{"train_port", "train --nproc 2 --master-port 70000",
                                 "--master-port: Value 70000 not in range 1 to 65535"},
                      BadCommand{"compare", "compare /nonexistent/a.yaml /nonexistent/b.yaml",
                                 "/nonexistent/a.yaml"}),
    [](const ::testing::TestParamInfo<BadCommand>& info) { return std::string(info.param.label); });

}  // namespace
