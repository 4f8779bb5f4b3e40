/*
 * rlloss host C API: the registry (plugin discovery and loading, ABI checks, verl-shaped YAML,
 * argument validation) for hosts written in any language. Exported by librlloss_host.so; the C++
 * rlloss::Registry is its implementation, so every host applies the same rules.
 *
 * Conventions are those of rlloss/plugin_api.h:
 * - Every function that can fail returns an rlloss_status (RLLOSS_OK is 0) and, on failure, writes
 *   a NUL-terminated UTF-8 message into the caller's rlloss_error_buffer (truncated to its
 *   capacity, never inside a UTF-8 character). `error` may be NULL; a buffer whose struct_size is
 *   smaller than RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0 is never written. No C++ exception crosses
 *   this API: a bad_alloc is RLLOSS_ERROR_INTERNAL "out of memory".
 * - Status codes: RLLOSS_ERROR_INVALID_ARGUMENT for anything the caller can fix (a NULL pointer, a
 *   missing file or directory, a name no plugin has, a bad YAML value, a bad tensor); a plugin's
 *   own status is passed through unchanged from its `create` and `compute`.
 * - Structs the library fills (rlloss_host_plugin_info, rlloss_host_arg) start with struct_size,
 *   set by the caller to the size it was compiled with; the library refuses a size below the
 *   1.0 size below and never writes past the caller's size. Fields are only ever appended.
 * - Handles (registry, yaml, config, loss) are opaque, created by a `*_create`/`*_load`/`*_parse`
 *   function and freed by the matching `*_destroy`; destroying NULL is a no-op.
 * - Strings returned by the library are owned by the library. Their lifetime is stated on each
 *   function; metadata strings of a plugin (name, version, description, metric and argument
 *   names, argument specs) stay valid until the process exits, since plugins are never unmapped.
 *
 * Threading: a registry may be used from many threads at once (loading is serialised inside).
 * Index-based enumeration (rlloss_host_plugin_at) sees the plugins loaded at the time of the call;
 * load nothing concurrently while enumerating, or look plugins up by name. A yaml handle may be
 * used by one thread at a time (the YAML reader's nodes are not thread-safe); a config handle is
 * immutable after creation and may be read from many threads. A loss is immutable after
 * creation: rlloss_host_loss_compute may run on one loss from many threads at once;
 * rlloss_host_loss_destroy must not race with any other use of that loss. A loss keeps its plugin
 * and does not need its registry: the registry may be destroyed first.
 */
#ifndef RLLOSS_HOST_API_H_
#define RLLOSS_HOST_API_H_

#include <rlloss/plugin_api.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RLLOSS_HOST_API_VERSION_MAJOR 1
#define RLLOSS_HOST_API_VERSION_MINOR 0

#if defined(_WIN32)
#define RLLOSS_HOST_API __declspec(dllexport)
#else
#define RLLOSS_HOST_API __attribute__((visibility("default")))
#endif

/* RLLOSS_STRUCT_SIZE and RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0 come from rlloss/plugin_api.h. */

/* (RLLOSS_HOST_API_VERSION_MAJOR << 16) | RLLOSS_HOST_API_VERSION_MINOR of the loaded library. A
 * caller built against another major must not use it. Never fails. */
RLLOSS_HOST_API uint32_t rlloss_host_api_version(void);

/* ---- Logging ---------------------------------------------------------------------------------
 * The registry logs what it skips and why (a file that is not a plugin, a shadowed plugin). By
 * default messages at `warn` and above go to stderr. */
typedef int32_t rlloss_host_log_level;
#define RLLOSS_HOST_LOG_DEBUG 1
#define RLLOSS_HOST_LOG_INFO 2
#define RLLOSS_HOST_LOG_WARN 3
#define RLLOSS_HOST_LOG_ERROR 4
#define RLLOSS_HOST_LOG_OFF 5

/* Receives one message (borrowed for the call). Called on the thread that logs, possibly many at
 * once; it must not call back into this API. */
typedef void (*rlloss_host_log_fn)(rlloss_host_log_level level, const char* message,
                                   void* user_data);

/* Sends messages at `min_level` and above to `fn` (NULL: back to stderr). Process-wide; not to be
 * called while another thread loads plugins. `user_data` is passed to `fn` unchanged and must
 * outlive its use. */
RLLOSS_HOST_API rlloss_status rlloss_host_set_logger(rlloss_host_log_fn fn, void* user_data,
                                                     rlloss_host_log_level min_level,
                                                     rlloss_error_buffer* error);

/* ---- Registry ---------------------------------------------------------------------------------
 */
typedef struct rlloss_host_registry rlloss_host_registry;
typedef struct rlloss_host_yaml rlloss_host_yaml;

/* Creates an empty registry in `*out` (NULL on failure). */
RLLOSS_HOST_API rlloss_status rlloss_host_registry_create(rlloss_host_registry** out,
                                                          rlloss_error_buffer* error);
/* Frees the registry. Losses created from it stay usable. */
RLLOSS_HOST_API void rlloss_host_registry_destroy(rlloss_host_registry* registry);

/* Writes the search path, one directory per line ('\n' after each), NUL-terminated, into `buffer`
 * when it fits in `capacity` bytes; `*needed` (not NULL) receives the size with the NUL, so a
 * caller with too small a buffer (or NULL with capacity 0) calls again. The path is: the
 * directories of RLLOSS_PLUGIN_PATH (colon-separated), then `extra_dirs`, then the plugin
 * directories of `yaml` (NULL: none), then the default plugin directory if it exists: the build
 * tree's when this library runs from it, else <prefix>/lib/rlloss/plugins beside the installed
 * librlloss_host.so. */
RLLOSS_HOST_API rlloss_status rlloss_host_search_path(const char* const* extra_dirs,
                                                      uint32_t num_extra_dirs,
                                                      const rlloss_host_yaml* yaml, char* buffer,
                                                      uint64_t capacity, uint64_t* needed,
                                                      rlloss_error_buffer* error);

/* Loads every plugin on the search path (see rlloss_host_search_path). A directory named by
 * RLLOSS_PLUGIN_PATH, `extra_dirs` or the YAML that does not exist is an error; the default
 * directory only provides names no named directory did. Files that are not plugins are skipped
 * with a logged reason; two plugins with one name are an error naming both files. */
RLLOSS_HOST_API rlloss_status rlloss_host_load_search_path(rlloss_host_registry* registry,
                                                           const char* const* extra_dirs,
                                                           uint32_t num_extra_dirs,
                                                           const rlloss_host_yaml* yaml,
                                                           rlloss_error_buffer* error);

/* Loads every plugin in `dir` (rules as above). `*num_added` (may be NULL) receives how many new
 * plugins it added. */
RLLOSS_HOST_API rlloss_status rlloss_host_load_directory(rlloss_host_registry* registry,
                                                         const char* dir, uint32_t* num_added,
                                                         rlloss_error_buffer* error);

/* Loads one library; a file that is not a usable plugin is an error naming it and the reason.
 * Loading a file already loaded is a no-op. */
RLLOSS_HOST_API rlloss_status rlloss_host_load_file(rlloss_host_registry* registry,
                                                    const char* file, rlloss_error_buffer* error);

/* ---- Plugins and their schema -----------------------------------------------------------------
 */

/* What a loaded plugin declares. Every string but `path` lives until the process exits; `path`
 * lives as long as the registry (or the loss) the info was read from. */
typedef struct rlloss_host_plugin_info {
  uint32_t struct_size;
  const char* name;        /* the loss_mode */
  const char* version;     /* "" when the plugin gives none */
  const char* description; /* "" when the plugin gives none */
  const char* path;        /* the file it was loaded from, canonical */
  uint64_t devices;        /* RLLOSS_DEVICE_BIT mask */
  const char* const* metric_names;
  uint32_t num_metrics;
  uint32_t num_args; /* read each with rlloss_host_plugin_arg */
  uint32_t abi_major;
  uint32_t abi_minor;
} rlloss_host_plugin_info;
#define RLLOSS_HOST_PLUGIN_INFO_STRUCT_SIZE_1_0 \
  RLLOSS_STRUCT_SIZE(rlloss_host_plugin_info, abi_minor)

/* Number of loaded plugins. NULL registry: 0. */
RLLOSS_HOST_API uint32_t rlloss_host_num_plugins(const rlloss_host_registry* registry);

/* The plugin at `index` of the loaded plugins sorted by name. */
RLLOSS_HOST_API rlloss_status rlloss_host_plugin_at(const rlloss_host_registry* registry,
                                                    uint32_t index, rlloss_host_plugin_info* out,
                                                    rlloss_error_buffer* error);

/* The plugin named `name`; an unknown name is an error listing the loaded names. */
RLLOSS_HOST_API rlloss_status rlloss_host_find_plugin(const rlloss_host_registry* registry,
                                                      const char* name,
                                                      rlloss_host_plugin_info* out,
                                                      rlloss_error_buffer* error);

/* Argument `index` (< num_args) of plugin `name`'s schema, as the plugin declared it (see
 * rlloss_arg_spec; valid until the process exits). */
RLLOSS_HOST_API rlloss_status rlloss_host_plugin_arg(const rlloss_host_registry* registry,
                                                     const char* name, uint32_t index,
                                                     const rlloss_arg_spec** out,
                                                     rlloss_error_buffer* error);

/* ---- Trainer YAML ----------------------------------------------------------------------------
 * verl's shape: loss_mode from actor_rollout_ref.actor.policy_loss.loss_mode; each declared
 * argument from actor.policy_loss.<arg>, else actor.<arg>; plugin directories from
 * actor.policy_loss.plugin_dirs (relative to the file's directory). The typing rules are those of
 * `host_example config` (README: "Choosing a loss in a trainer YAML"). */

/* Reads and parses `path`. A syntax error names the file, line and column. */
RLLOSS_HOST_API rlloss_status rlloss_host_yaml_load_file(const char* path, rlloss_host_yaml** out,
                                                         rlloss_error_buffer* error);
/* Parses `text`. `base_dir` (NULL: the current directory) anchors relative plugin_dirs;
 * `source_name` (NULL: "<yaml>") names the text in messages. */
RLLOSS_HOST_API rlloss_status rlloss_host_yaml_parse(const char* text, const char* base_dir,
                                                     const char* source_name,
                                                     rlloss_host_yaml** out,
                                                     rlloss_error_buffer* error);
RLLOSS_HOST_API void rlloss_host_yaml_destroy(rlloss_host_yaml* yaml);

/* A loss_mode and every declared argument's value, with where each value came from. */
typedef struct rlloss_host_config rlloss_host_config;

/* One resolved argument. Strings live as long as the config or loss they were read from. */
typedef struct rlloss_host_arg {
  uint32_t struct_size;
  const char* name;
  rlloss_arg_type type;
  double number;      /* FLOAT, INT, BOOL */
  const char* string; /* STRING; "" for the other types */
  const char* source; /* "default", "default_from <arg>", a YAML key path, "override", "given" */
} rlloss_host_arg;
#define RLLOSS_HOST_ARG_STRUCT_SIZE_1_0 RLLOSS_STRUCT_SIZE(rlloss_host_arg, source)

/* Resolves `yaml` (NULL: an empty document) with `overrides` ("key=value", value read as a YAML
 * scalar; key an argument name, its YAML path, or "loss_mode") against the plugins loaded in
 * `registry`. Precedence: the plugin's defaults < actor.<arg> < actor.policy_loss.<arg> <
 * overrides. Errors name the key path, the value and what is allowed. */
RLLOSS_HOST_API rlloss_status rlloss_host_resolve(const rlloss_host_registry* registry,
                                                  const rlloss_host_yaml* yaml,
                                                  const char* const* overrides,
                                                  uint32_t num_overrides, rlloss_host_config** out,
                                                  rlloss_error_buffer* error);
RLLOSS_HOST_API void rlloss_host_config_destroy(rlloss_host_config* config);
/* The resolved loss_mode (lives as long as the config). NULL config: NULL. */
RLLOSS_HOST_API const char* rlloss_host_config_loss_mode(const rlloss_host_config* config);
/* Number of arguments, in the plugin's schema order. NULL config: 0. */
RLLOSS_HOST_API uint32_t rlloss_host_config_num_args(const rlloss_host_config* config);
RLLOSS_HOST_API rlloss_status rlloss_host_config_arg(const rlloss_host_config* config,
                                                     uint32_t index, rlloss_host_arg* out,
                                                     rlloss_error_buffer* error);

/* ---- Losses -----------------------------------------------------------------------------------
 */
typedef struct rlloss_host_loss rlloss_host_loss;

/* Creates plugin `name`'s loss from `values` (borrowed; strided by their first element's
 * struct_size; NULL when num_values is 0). Values are checked against the schema; undeclared
 * ones take their default (or their `default_from` argument's value). On RLLOSS_OK the plugin's
 * warning about a legal but questionable setting, if any, is left in `error` (cleared first). */
RLLOSS_HOST_API rlloss_status rlloss_host_loss_create(const rlloss_host_registry* registry,
                                                      const char* name,
                                                      const rlloss_arg_value* values,
                                                      uint32_t num_values, rlloss_host_loss** out,
                                                      rlloss_error_buffer* error);

/* Creates the loss a resolved config names, with its values. Warnings as above. */
RLLOSS_HOST_API rlloss_status rlloss_host_loss_create_from_config(
    const rlloss_host_registry* registry, const rlloss_host_config* config, rlloss_host_loss** out,
    rlloss_error_buffer* error);

/* Frees the loss (never its plugin's library). Must not race with a compute on it. */
RLLOSS_HOST_API void rlloss_host_loss_destroy(rlloss_host_loss* loss);

/* The loss's plugin (strings as rlloss_host_plugin_info says; `path` lives as long as the loss). */
RLLOSS_HOST_API rlloss_status rlloss_host_loss_plugin(const rlloss_host_loss* loss,
                                                      rlloss_host_plugin_info* out,
                                                      rlloss_error_buffer* error);
/* The values the loss was created with, every declared argument in schema order. */
RLLOSS_HOST_API uint32_t rlloss_host_loss_num_args(const rlloss_host_loss* loss);
RLLOSS_HOST_API rlloss_status rlloss_host_loss_arg(const rlloss_host_loss* loss, uint32_t index,
                                                   rlloss_host_arg* out,
                                                   rlloss_error_buffer* error);

/* Runs the plugin's compute (see rlloss_compute_call in plugin_api.h: tensors borrowed for the
 * call, outputs written only on success). Thread-safe on one loss. The plugin's status and
 * message are passed through. */
RLLOSS_HOST_API rlloss_status rlloss_host_loss_compute(const rlloss_host_loss* loss,
                                                       const rlloss_compute_call* call,
                                                       rlloss_error_buffer* error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RLLOSS_HOST_API_H_ */
