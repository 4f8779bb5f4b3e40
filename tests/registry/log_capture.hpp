// Captures what the registry logs through spdlog's default logger while in scope.
#pragma once

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

namespace rlloss::test {

class LogCapture {
 public:
  LogCapture()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1024)),
        previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("rlloss_test_capture", sink_);
    logger->set_level(spdlog::level::trace);
    logger->set_pattern("[%l] %v");
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Every line logged so far, as "[<level>] <message>".
  std::vector<std::string> lines() const { return sink_->last_formatted(); }

  // The first line containing every one of `parts`, or "" when none does.
  std::string line_with(const std::vector<std::string>& parts) const {
    for (const std::string& line : lines()) {
      bool all = true;
      for (const std::string& part : parts) all = all && line.find(part) != std::string::npos;
      if (all) return line;
    }
    return "";
  }

  std::string text() const {
    std::string all;
    for (const std::string& line : lines()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace rlloss::test
