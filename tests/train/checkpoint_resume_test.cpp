// Training resumes: checkpoints hold everything a run needs to continue bit for bit, are written
// atomically, and every write error or unusable path fails the run loudly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>

#include "atomic_file.hpp"
#include "checkpoint.hpp"
#include "host_process.hpp"
#include "model.hpp"

namespace rlloss::train {
namespace {

using test::file_text;
using test::HostProcess;
using test::ScratchDir;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

struct TrainRun {
  int code;
  std::string err;
};

// host_example train on tiny_resume.yaml with `extra` arguments, to the end.
TrainRun train(const ScratchDir& dir, const std::string& name, std::vector<std::string> extra) {
  std::vector<std::string> arguments{"--plugin-dir", RLLOSS_TEST_PLUGIN_DIR, "train", "--config",
                                     std::string(RLLOSS_TEST_TRAIN_DIR) + "/tiny_resume.yaml"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  HostProcess process(arguments, dir / name);
  const int code = process.wait(120);
  return {code, process.stderr_text()};
}

// The arguments that send a run's outputs into `dir` under `name`.
std::vector<std::string> outputs(const ScratchDir& dir, const std::string& name,
                                 std::vector<std::string> more = {}) {
  std::vector<std::string> arguments{"--metrics-file",   (dir / (name + ".jsonl")).string(),
                                     "--save-params",    (dir / (name + ".pt")).string(),
                                     "--checkpoint-dir", (dir / (name + "_ckpt")).string()};
  arguments.insert(arguments.end(), more.begin(), more.end());
  return arguments;
}

TEST(Resume, TenStepsResumeTenStepsEqualsTwentyBitForBit) {
  const ScratchDir dir("rlloss_resume_test");
  ASSERT_EQ(train(dir, "whole", outputs(dir, "whole")).code, 0);

  const TrainRun first =
      train(dir, "first", outputs(dir, "split", {"--steps", "10", "--checkpoint-interval", "10"}));
  ASSERT_EQ(first.code, 0) << first.err;
  ASSERT_TRUE(fs::exists(dir / "split_ckpt/step-00000010.ckpt"));
  const std::string params_after_10 = file_text(dir / "split.pt");
  const TrainRun second = train(dir, "second", outputs(dir, "split", {"--resume", "auto"}));
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("resuming after step 10"));

  EXPECT_EQ(test::line_count(dir / "split.jsonl"), 20u);
  EXPECT_EQ(file_text(dir / "split.jsonl"), file_text(dir / "whole.jsonl"));
  EXPECT_EQ(file_text(dir / "split.pt"), file_text(dir / "whole.pt"));
  // Not trivially equal: the second half moved the parameters.
  EXPECT_NE(params_after_10, file_text(dir / "whole.pt"));
}

TEST(Resume, SigintWritesACheckpointAndTheRunContinuesFromIt) {
  const ScratchDir dir("rlloss_sigint_test");
  const std::vector<std::string> long_run{"--steps", "600"};
  ASSERT_EQ(train(dir, "whole", outputs(dir, "whole", long_run)).code, 0);

  std::vector<std::string> arguments{"--plugin-dir", RLLOSS_TEST_PLUGIN_DIR, "train", "--config",
                                     std::string(RLLOSS_TEST_TRAIN_DIR) + "/tiny_resume.yaml"};
  for (const auto& a : outputs(dir, "split", long_run)) arguments.push_back(a);
  int64_t lines_at_signal = 0;
  {
    HostProcess process(arguments, dir / "interrupted");
    ASSERT_TRUE(
        HostProcess::wait_until([&] { return test::line_count(dir / "split.jsonl") >= 5; }, 60));
    process.signal_all(SIGINT);
    lines_at_signal = static_cast<int64_t>(test::line_count(dir / "split.jsonl"));
    EXPECT_EQ(process.wait(60), 128 + SIGINT);
    EXPECT_THAT(process.stderr_text(), HasSubstr("stopped by signal 2 after step"));
  }
  const auto checkpoint = latest_checkpoint(dir / "split_ckpt");
  ASSERT_TRUE(checkpoint.has_value());
  const std::string name = checkpoint->filename().string();
  const int64_t step = std::stoll(name.substr(5, 8));
  EXPECT_GE(step, lines_at_signal);
  EXPECT_LT(step, 600);
  EXPECT_EQ(static_cast<int64_t>(test::line_count(dir / "split.jsonl")), step);

  const TrainRun resumed =
      train(dir, "resumed", outputs(dir, "split", {"--steps", "600", "--resume", "auto"}));
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(file_text(dir / "split.jsonl"), file_text(dir / "whole.jsonl"));
  EXPECT_EQ(file_text(dir / "split.pt"), file_text(dir / "whole.pt"));
}

TEST(Resume, RefusesADifferentConfigurationNamingTheKeys) {
  const ScratchDir dir("rlloss_resume_mismatch_test");
  ASSERT_EQ(
      train(dir, "first", outputs(dir, "a", {"--steps", "2", "--checkpoint-interval", "1"})).code,
      0);
  const TrainRun run =
      train(dir, "second",
            outputs(dir, "a", {"--resume", "auto", "--set", "tau_neg=1.3", "--seed", "9"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("the configuration differs (checkpoint vs now): loss.tau_neg "
                                 "(1.05 vs 1.3), trainer.seed (3 vs 9)"));
}

TEST(Resume, RefusesACheckpointAtOrPastTheLastStep) {
  const ScratchDir dir("rlloss_resume_done_test");
  ASSERT_EQ(
      train(dir, "first", outputs(dir, "a", {"--steps", "3", "--checkpoint-interval", "3"})).code,
      0);
  const TrainRun run =
      train(dir, "second", outputs(dir, "a", {"--resume", "auto", "--steps", "3"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("is at step 3, not before trainer.total_training_steps (3)"));
}

TEST(Resume, NamesAMissingOrBrokenCheckpoint) {
  const ScratchDir dir("rlloss_resume_bad_test");
  TrainRun run = train(dir, "missing", outputs(dir, "a", {"--resume", (dir / "nothing").string()}));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("no such checkpoint file or directory"));

  fs::create_directories(dir / "empty");
  run = train(dir, "empty", outputs(dir, "a", {"--resume", (dir / "empty").string()}));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("no checkpoint in it"));

  std::ofstream(dir / "step-00000004.ckpt") << "not a checkpoint";
  run =
      train(dir, "broken", outputs(dir, "a", {"--resume", (dir / "step-00000004.ckpt").string()}));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot resume from"));
  EXPECT_THAT(run.err, HasSubstr("not a ZIP archive"));

  // auto with no checkpoint yet starts a new run, and says so.
  run = train(dir, "auto", outputs(dir, "b", {"--resume", "auto", "--steps", "2"}));
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("starting from step 1"));
}

TEST(Resume, RefusesAMetricsFileShorterThanTheCheckpointSays) {
  const ScratchDir dir("rlloss_resume_metrics_test");
  ASSERT_EQ(
      train(dir, "first", outputs(dir, "a", {"--steps", "3", "--checkpoint-interval", "3"})).code,
      0);
  std::ofstream(dir / "a.jsonl", std::ios::trunc) << "{}\n";
  const TrainRun run =
      train(dir, "second", outputs(dir, "a", {"--resume", "auto", "--steps", "5"}));
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("is shorter than the checkpoint's"));
}

TEST(Checkpoint, KeepsTheNewestAndIgnoresOtherFiles) {
  const ScratchDir dir("rlloss_checkpoint_files_test");
  for (const int step : {3, 12, 7}) std::ofstream(checkpoint_path(dir.path(), step)) << step;
  std::ofstream(dir / ".step-00000099.ckpt.tmp123") << "partial";
  std::ofstream(dir / "step-00000050.ckpt.old") << "old";
  EXPECT_EQ(latest_checkpoint(dir.path())->filename(), "step-00000012.ckpt");
  remove_old_checkpoints(dir.path(), 2);
  EXPECT_FALSE(fs::exists(checkpoint_path(dir.path(), 3)));
  EXPECT_TRUE(fs::exists(checkpoint_path(dir.path(), 7)));
  EXPECT_TRUE(fs::exists(checkpoint_path(dir.path(), 12)));
  EXPECT_FALSE(latest_checkpoint(dir / "nothing_here").has_value());
}

TEST(Checkpoint, RoundTripRestoresEveryState) {
  const ScratchDir dir("rlloss_checkpoint_roundtrip_test");
  TrainConfig config;
  config.model.embed_size = 4;
  config.model.hidden_size = 8;
  config.seed = 5;
  TrainerState saved(config);
  // Move every state away from its initial value: parameters and Adam moments, the prompt
  // generator, LibTorch's generator.
  for (auto& p : saved.model->parameters()) p.mutable_grad() = torch::randn_like(p);
  saved.optimizer.step();
  saved.prompt_rng.discard(17);
  torch::randn({3});
  saved.steps_done = 2;
  saved.history.resize(2);
  saved.history[0].set("reward/mean", 0.1);
  saved.history[1].set("reward/mean", 1.0 / 3.0);
  saved.history[1].set("timing/elapsed_s", 4.5);
  const fs::path file = checkpoint_path(dir.path(), 2);
  write_checkpoint(file, saved, {123, "loss.loss_mode=sapo\n", ""});
  const torch::Tensor next_torch_draw = torch::rand({4});

  TrainerState loaded(config);
  torch::manual_seed(999);
  const CheckpointExtras extras = read_checkpoint(file, loaded);
  EXPECT_EQ(extras.metrics_bytes, 123);
  EXPECT_EQ(extras.fingerprint, "loss.loss_mode=sapo\n");
  // The digest is of the bytes loaded: the file's size is in it, and another file gives another.
  EXPECT_THAT(extras.digest, HasSubstr("(" + std::to_string(fs::file_size(file)) + " bytes)"));
  EXPECT_EQ(loaded.steps_done, 2);
  ASSERT_EQ(loaded.history.size(), 2u);
  EXPECT_EQ(loaded.history[1].get("reward/mean"), 1.0 / 3.0);
  EXPECT_EQ(loaded.elapsed_s, 4.5);
  EXPECT_EQ(loaded.prompt_rng(), saved.prompt_rng());
  EXPECT_TRUE(torch::equal(torch::rand({4}), next_torch_draw));
  const auto a = saved.model->parameters();
  const auto b = loaded.model->parameters();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i]));
  // The optimizer's moments came back: one more identical step keeps the models identical.
  for (size_t i = 0; i < a.size(); ++i) {
    a[i].mutable_grad() = torch::ones_like(a[i]);
    b[i].mutable_grad() = torch::ones_like(b[i]);
  }
  saved.optimizer.step();
  loaded.optimizer.step();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i]));
  // Another file (it differs in one field) has another digest; read last, as loading a
  // checkpoint restores LibTorch's generator.
  {
    TrainerState other(config);
    const fs::path file_3 = checkpoint_path(dir.path(), 3);
    write_checkpoint(file_3, saved, {124, "loss.loss_mode=sapo\n", ""});
    EXPECT_NE(read_checkpoint(file_3, other).digest, extras.digest);
  }
}

TEST(Checkpoint, RefusesACheckpointOfAnotherModelShape) {
  const ScratchDir dir("rlloss_checkpoint_shape_test");
  TrainConfig small;
  small.model.hidden_size = 8;
  TrainerState state(small);
  write_checkpoint(dir / "step-00000000.ckpt", state, {});
  TrainConfig large = small;
  large.model.hidden_size = 16;
  TrainerState other(large);
  try {
    read_checkpoint(dir / "step-00000000.ckpt", other);
    FAIL() << "loaded a checkpoint of another shape";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot resume from"));
    EXPECT_THAT(e.what(),
                HasSubstr("gru.weight_ih_l0 has shape [24, 32], this configuration's [48, 32]"));
  }
}

// Runs `body` in a child process whose files may not grow past `limit` bytes (with SIGXFSZ
// ignored, a write past it fails with EFBIG, as on a full disk); returns the child's exit code.
template <typename Body>
int with_file_size_limit(rlim_t limit, Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit r{limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &r);
    std::_Exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(AtomicFile, AFailedWriteLeavesTheOldFileAndNoTemporary) {
  const ScratchDir dir("rlloss_atomic_test");
  const fs::path file = dir / "params.pt";
  write_file_atomically(file, "old contents");
  write_file_atomically(file, "new contents");
  EXPECT_EQ(file_text(file), "new contents");
  const int code = with_file_size_limit(1000, [&] {
    try {
      write_file_atomically(file, std::string(5000, 'x'));
      return 0;
    } catch (const std::runtime_error& e) {
      return std::string(e.what()).find("File too large") != std::string::npos ? 3 : 4;
    }
  });
  EXPECT_EQ(code, 3);
  EXPECT_EQ(file_text(file), "new contents");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(WriteErrors, AFullMetricsFileFailsTheRun) {
  const ScratchDir dir("rlloss_devfull_test");
  const TrainRun run = train(
      dir, "full", {"--metrics-file", "/dev/full", "--checkpoint-dir", (dir / "ckpt").string()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err,
              HasSubstr("cannot write the metrics file /dev/full: No space left on device"));
}

TEST(WriteErrors, ACheckpointThatCannotBeWrittenFailsTheRun) {
  const ScratchDir dir("rlloss_ckpt_fsize_test");
  // The metrics lines fit in 20 KB; a checkpoint of this model (about 60 KB) does not.
  const int code = with_file_size_limit(20000, [&] {
    const std::string command =
        std::string("env -u RLLOSS_PLUGIN_PATH ") + RLLOSS_TEST_HOST_EXAMPLE + " --plugin-dir " +
        RLLOSS_TEST_PLUGIN_DIR + " train --config " + RLLOSS_TEST_TRAIN_DIR +
        "/tiny_resume.yaml --checkpoint-interval 2 --checkpoint-dir " + (dir / "ckpt").string() +
        " --metrics-file " + (dir / "m.jsonl").string() + " 2> " + (dir / "err").string();
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
  });
  EXPECT_EQ(code, 1);
  EXPECT_THAT(file_text(dir / "err"), HasSubstr("step-00000002.ckpt: File too large"));
  EXPECT_FALSE(latest_checkpoint(dir / "ckpt").has_value());
  EXPECT_EQ(test::line_count(dir / "m.jsonl"), 2u);  // it stopped at the failed checkpoint
}

TEST(WriteErrors, UnusableOutputPathsFailBeforeTheFirstStep) {
  const ScratchDir dir("rlloss_outputs_test");
  std::ofstream(dir / "a_file") << "x";
  TrainRun run = train(dir, "ckpt",
                       {"--metrics-file", "", "--checkpoint-dir", (dir / "a_file/ckpt").string()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("is not a directory"));
  EXPECT_THAT(run.err, Not(HasSubstr("step 1/")));
  run = train(dir, "params",
              {"--metrics-file", "", "--save-params", (dir / "a_file/params.pt").string()});
  EXPECT_EQ(run.code, 1);
  EXPECT_THAT(run.err, HasSubstr("is not a directory"));
  EXPECT_THAT(run.err, Not(HasSubstr("step 1/")));
}

}  // namespace
}  // namespace rlloss::train
