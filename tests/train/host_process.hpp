// host_example runs for the trainer's fault tests: started in the background in a session of its
// own (so that a signal can reach all its ranks, as a terminal's Ctrl-C does), waited for with a
// deadline, with its stderr kept.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rlloss::test {

namespace fs = std::filesystem;

inline std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline size_t line_count(const fs::path& path) {
  const std::string text = file_text(path);
  size_t lines = 0;
  for (const char c : text) lines += c == '\n';
  return lines;
}

// A scratch directory removed at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

class HostProcess {
 public:
  // Starts host_example with `arguments`; stdout and stderr go to `log_base`.out / .err.
  HostProcess(const std::vector<std::string>& arguments, const fs::path& log_base)
      : err_path_(log_base.string() + ".err") {
    const std::string out_path = log_base.string() + ".out";
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::setsid();
      if (!std::freopen(out_path.c_str(), "w", stdout) ||
          !std::freopen(err_path_.c_str(), "w", stderr)) {
        std::_Exit(127);
      }
      ::unsetenv("RLLOSS_PLUGIN_PATH");
      std::vector<char*> argv;
      std::string program = RLLOSS_TEST_HOST_EXAMPLE;
      argv.push_back(program.data());
      std::vector<std::string> copies = arguments;
      for (auto& a : copies) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      std::_Exit(127);
    }
  }
  ~HostProcess() {
    if (!reaped_) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The first child process of host_example (rank 1 of --nproc), or -1.
  pid_t first_child() const {
    std::ifstream children("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) +
                           "/children");
    pid_t child = -1;
    children >> child;
    return child;
  }

  // Waits until `condition` holds, polling; false when `seconds` pass first.
  template <typename Condition>
  static bool wait_until(Condition condition, double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
  }

  // Sends `signal` to the whole session (every rank), as a terminal's Ctrl-C does.
  void signal_all(int signal) const { ::kill(-pid_, signal); }

  // The exit code (128 + signal when killed); -1 when it has not ended within `seconds`.
  int wait(double seconds) {
    int status = 0;
    const bool ended = wait_until(
        [&] {
          const pid_t r = ::waitpid(pid_, &status, WNOHANG);
          return r == pid_;
        },
        seconds);
    if (!ended) return -1;
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string stderr_text() const { return file_text(err_path_); }

 private:
  std::string err_path_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

}  // namespace rlloss::test
