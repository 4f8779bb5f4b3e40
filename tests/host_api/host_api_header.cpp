// rlloss/host_api.h compiles as C++ (-Wall -Wextra -Werror -pedantic) and keeps its 1.0 sizes.
#include <rlloss/host_api.h>

static_assert(RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0 == sizeof(rlloss_error_buffer),
              "rlloss_error_buffer 1.0 size");
static_assert(RLLOSS_HOST_PLUGIN_INFO_STRUCT_SIZE_1_0 == sizeof(rlloss_host_plugin_info),
              "rlloss_host_plugin_info 1.0 size");
static_assert(RLLOSS_HOST_ARG_STRUCT_SIZE_1_0 == sizeof(rlloss_host_arg),
              "rlloss_host_arg 1.0 size");
