// rlloss_host_set_logger: the registry's spdlog messages, routed to the C caller's function.
#include "host_logger.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

#include "c_api_support.hpp"

namespace rlloss::c_api {
namespace {

class CallbackSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  CallbackSink(rlloss_host_log_fn fn, void* user_data) : fn_(fn), user_data_(user_data) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string text(msg.payload.data(), msg.payload.size());
    fn_(level_of(msg.level), text.c_str(), user_data_);
  }
  void flush_() override {}

 private:
  static rlloss_host_log_level level_of(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace:
      case spdlog::level::debug: return RLLOSS_HOST_LOG_DEBUG;
      case spdlog::level::info: return RLLOSS_HOST_LOG_INFO;
      case spdlog::level::warn: return RLLOSS_HOST_LOG_WARN;
      default: return RLLOSS_HOST_LOG_ERROR;
    }
  }
  rlloss_host_log_fn fn_;
  void* user_data_;
};

spdlog::level::level_enum spdlog_level(rlloss_host_log_level level) {
  switch (level) {
    case RLLOSS_HOST_LOG_DEBUG: return spdlog::level::debug;
    case RLLOSS_HOST_LOG_INFO: return spdlog::level::info;
    case RLLOSS_HOST_LOG_WARN: return spdlog::level::warn;
    case RLLOSS_HOST_LOG_ERROR: return spdlog::level::err;
    case RLLOSS_HOST_LOG_OFF: return spdlog::level::off;
    default:
      throw RegistryError("log level " + std::to_string(level) +
                          " is not one of RLLOSS_HOST_LOG_DEBUG (" +
                          std::to_string(RLLOSS_HOST_LOG_DEBUG) + ") to RLLOSS_HOST_LOG_OFF (" +
                          std::to_string(RLLOSS_HOST_LOG_OFF) + ")");
  }
}

std::once_flag& default_logger_once() {
  static std::once_flag once;
  return once;
}

void install(spdlog::sink_ptr sink, spdlog::level::level_enum level) {
  auto logger = std::make_shared<spdlog::logger>("rlloss", std::move(sink));
  logger->set_level(level);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace

void ensure_default_logger() {
  std::call_once(default_logger_once(), [] {
    install(std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::level::warn);
  });
}

}  // namespace rlloss::c_api

using namespace rlloss::c_api;

extern "C" rlloss_status rlloss_host_set_logger(rlloss_host_log_fn fn, void* user_data,
                                                rlloss_host_log_level min_level,
                                                rlloss_error_buffer* error) {
  return guarded(error, [&] {
    const auto level = spdlog_level(min_level);
    std::call_once(default_logger_once(), [] {});  // the caller's choice wins from now on
    if (fn == nullptr) {
      install(std::make_shared<spdlog::sinks::stderr_sink_mt>(), level);
    } else {
      install(std::make_shared<CallbackSink>(fn, user_data), level);
    }
  });
}
