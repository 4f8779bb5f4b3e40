// The host library's logging: spdlog's default logger, set up once for C callers.
#pragma once

namespace rlloss::c_api {

// Before the first message: stderr at `warn` and above, unless rlloss_host_set_logger chose.
void ensure_default_logger();

}  // namespace rlloss::c_api
