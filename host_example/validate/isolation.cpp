#include "isolation.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RLLOSS_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define RLLOSS_SANITIZED_BUILD 1
#endif
#endif

namespace rlloss::validate {
namespace {

// Marks a complete answer: a child that exits early (exit(0) in a plugin) leaves it out.
constexpr char kEndMarker[] = "\n<end of validate output>\n";

using Clock = std::chrono::steady_clock;

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void run_child(int fd, const std::function<std::string()>& body,
                            const IsolationLimits& limits) {
#if !defined(RLLOSS_SANITIZED_BUILD)
  if (limits.memory_limit_mb > 0) {
    const rlim_t bytes = static_cast<rlim_t>(limits.memory_limit_mb) << 20;
    const rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
#else
  (void)limits;
#endif
  std::string output;
  try {
    output = body();
  } catch (const std::exception& e) {
    output = std::string("error\t") + e.what();
  } catch (...) {
    output = "error\tan unknown exception";
  }
  write_all(fd, output + kEndMarker);
  close(fd);
  std::_Exit(0);  // no atexit handlers or static destructors of the parent's copy
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  if (WIFEXITED(status)) {
    return "exited with code " + std::to_string(WEXITSTATUS(status)) + " before it finished";
  }
  return "stopped with status " + std::to_string(status);
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

}  // namespace

IsolatedResult run_isolated(const std::function<std::string()>& body,
                            const IsolationLimits& limits) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    run_child(fds[1], body, limits);
  }
  close(fds[1]);

  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::max(0.0, limits.time_limit_s)));
  IsolatedResult result;
  std::string received;
  bool timed_out = false;
  char buffer[65536];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd poll_fd{fds[0], POLLIN, 0};
    const int ready = poll(&poll_fd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: the child is done or dead
    received.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);

  int status = 0;
  if (timed_out) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    result.failure = "timed out after " + seconds_text(limits.time_limit_s) + " s";
    return result;
  }
  // The pipe closed: the child exits at once, unless something it started keeps it alive.
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.failure = "timed out after " + seconds_text(limits.time_limit_s) + " s";
      return result;
    }
    usleep(1000);
  }
  const size_t marker = received.rfind(kEndMarker);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && marker != std::string::npos &&
      marker + std::strlen(kEndMarker) == received.size()) {
    result.finished = true;
    result.output = received.substr(0, marker);
    return result;
  }
  result.failure = describe_status(status);
  return result;
}

}  // namespace rlloss::validate
