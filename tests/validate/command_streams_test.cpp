// Every host_example command writes its errors to stderr (stdout carries results only) and exits
// non-zero.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "host_example_runner.hpp"

namespace {

using rlloss::test::run_host_example_streams;
using rlloss::test::Streams;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct BadCommand {
  const char* label;
  const char* arguments;
  const char* message;
};

class CommandError : public ::testing::TestWithParam<BadCommand> {};

TEST_P(CommandError, GoesToStderrWithANonZeroExitCode) {
  const Streams streams = run_host_example_streams(GetParam().arguments);
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
                      BadCommand{"train_nproc_addr",
                                 "train --config " RLLOSS_TEST_CONFIG_DIR
                                 "/sapo.yaml --nproc 2 --master-addr 0.0.0.0",
                                 "--master-addr and --master-port are for --rank runs; --nproc "
                                 "stays on this machine"},
                      BadCommand{"compare", "compare /nonexistent/a.yaml /nonexistent/b.yaml",
                                 "/nonexistent/a.yaml"}),
    [](const ::testing::TestParamInfo<BadCommand>& info) { return std::string(info.param.label); });

}  // namespace
