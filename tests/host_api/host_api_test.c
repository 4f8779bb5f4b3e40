/* The host C API driven from plain C99: every function, its success path and every error path.
 * A failed check prints its line and the test exits non-zero at the end. Paths come from the
 * build: RLLOSS_TEST_PLUGIN_DIR (sapo, ppo_clip), RLLOSS_TEST_ZOO_DIR (plugins broken on
 * purpose), RLLOSS_TEST_CONFIG_DIR (configs/). Expected numbers are from
 * ../shared/docs/VECTORS.md (SAPO, 2 x 4, token-mean), not from the code under test. */
#include <math.h>
#include <rlloss/host_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(condition)                                                            \
  do {                                                                              \
    ++checks;                                                                       \
    if (!(condition)) {                                                             \
      ++failures;                                                                   \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
    }                                                                               \
  } while (0)

/* The call failed with `status` and a message containing `needle`. */
#define CHECK_ERROR(call, status, needle)                                                    \
  do {                                                                                       \
    message[0] = '\0';                                                                       \
    rlloss_status got_ = (call);                                                             \
    ++checks;                                                                                \
    if (got_ != (status) || strstr(message, (needle)) == NULL) {                             \
      ++failures;                                                                            \
      fprintf(stderr, "%s:%d: %s gave status %d, message \"%s\"; expected %d with \"%s\"\n", \
              __FILE__, __LINE__, #call, (int)got_, message, (int)(status), (needle));       \
    }                                                                                        \
  } while (0)

#define CHECK_OK(call)                                                                        \
  do {                                                                                        \
    message[0] = '\0';                                                                        \
    rlloss_status got_ = (call);                                                              \
    ++checks;                                                                                 \
    if (got_ != RLLOSS_OK) {                                                                  \
      ++failures;                                                                             \
      fprintf(stderr, "%s:%d: %s gave status %d: %s\n", __FILE__, __LINE__, #call, (int)got_, \
              message);                                                                       \
    }                                                                                         \
  } while (0)

static char message[1024];
static rlloss_error_buffer error = {sizeof(rlloss_error_buffer), message, sizeof message};

static int near(double a, double b, double tolerance) {
  return fabs(a - b) <= tolerance;
}

/* ---- logging ---- */
static int log_messages = 0;
static int log_saw_skip = 0;
static void count_log(rlloss_host_log_level level, const char* text, void* user_data) {
  (void)level;
  ++*(int*)user_data;
  if (strstr(text, "skipping") != NULL) log_saw_skip = 1;
}

static void test_version_and_logger(void) {
  CHECK(rlloss_host_api_version() ==
        ((RLLOSS_HOST_API_VERSION_MAJOR << 16) | RLLOSS_HOST_API_VERSION_MINOR));
  CHECK_ERROR(rlloss_host_set_logger(NULL, NULL, 99, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "log level 99 is not one of");

  rlloss_host_registry* registry = NULL;
  CHECK_OK(rlloss_host_registry_create(&registry, &error));
  CHECK_OK(rlloss_host_set_logger(count_log, &log_messages, RLLOSS_HOST_LOG_DEBUG, &error));
  CHECK_OK(rlloss_host_load_directory(registry, RLLOSS_TEST_ZOO_DIR "/mixed", NULL, &error));
  CHECK(log_messages > 0);
  CHECK(log_saw_skip);
  /* OFF silences the callback. */
  const int before = log_messages;
  CHECK_OK(rlloss_host_set_logger(count_log, &log_messages, RLLOSS_HOST_LOG_OFF, &error));
  rlloss_host_registry* second = NULL;
  CHECK_OK(rlloss_host_registry_create(&second, &error));
  CHECK_OK(rlloss_host_load_directory(second, RLLOSS_TEST_ZOO_DIR "/mixed", NULL, &error));
  CHECK(log_messages == before);
  CHECK_OK(rlloss_host_set_logger(NULL, NULL, RLLOSS_HOST_LOG_WARN, &error));
  rlloss_host_registry_destroy(second);
  rlloss_host_registry_destroy(registry);
}

static void test_error_buffer(void) {
  /* NULL error buffer: the status still says what happened. */
  CHECK(rlloss_host_registry_create(NULL, NULL) == RLLOSS_ERROR_INVALID_ARGUMENT);
  CHECK_ERROR(rlloss_host_registry_create(NULL, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the registry out-pointer is NULL");
  /* Truncated to the capacity, NUL-terminated. */
  char small[8];
  memset(small, 'x', sizeof small);
  rlloss_error_buffer small_buffer = {sizeof(rlloss_error_buffer), small, sizeof small};
  CHECK(rlloss_host_registry_create(NULL, &small_buffer) == RLLOSS_ERROR_INVALID_ARGUMENT);
  CHECK(strcmp(small, "the reg") == 0);
  /* Truncation never cuts a UTF-8 character: "é" (2 bytes) at the cut is dropped whole. */
  char cut[4];
  rlloss_error_buffer cut_buffer = {sizeof(rlloss_error_buffer), cut, sizeof cut};
  rlloss_host_registry* registry = NULL;
  CHECK_OK(rlloss_host_registry_create(&registry, &error));
  CHECK(rlloss_host_find_plugin(registry, "\xc3\xa9\xc3\xa9", NULL, &cut_buffer) ==
        RLLOSS_ERROR_INVALID_ARGUMENT);
  CHECK(strcmp(cut, "unk") == 0);
  /* "plugin file /" is 13 bytes, then two-byte characters: 18 bytes fit in 19, but byte 18 is
   * the second half of a character, so 17 are kept. */
  char utf8[19];
  rlloss_error_buffer utf8_buffer = {sizeof(rlloss_error_buffer), utf8, sizeof utf8};
  CHECK(rlloss_host_load_file(registry, "/\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", &utf8_buffer) !=
        RLLOSS_OK);
  CHECK(strncmp(utf8, "plugin file /\xc3\xa9\xc3\xa9", 17) == 0);
  CHECK(strlen(utf8) == 17);
  /* A buffer whose struct_size predates ABI 1.0 is never written. */
  char untouched[16] = "untouched";
  rlloss_error_buffer old_buffer = {4, untouched, sizeof untouched};
  CHECK(rlloss_host_registry_create(NULL, &old_buffer) == RLLOSS_ERROR_INVALID_ARGUMENT);
  CHECK(strcmp(untouched, "untouched") == 0);
  rlloss_host_registry_destroy(registry);
  rlloss_host_registry_destroy(NULL);
}

static void test_search_path(void) {
  uint64_t needed = 0;
  const char* extra[] = {"/some/extra/dir"};
  CHECK_OK(rlloss_host_search_path(extra, 1, NULL, NULL, 0, &needed, &error));
  CHECK(needed > 1);
  char* text = malloc(needed);
  CHECK_OK(rlloss_host_search_path(extra, 1, NULL, text, needed, &needed, &error));
  CHECK(strstr(text, "/some/extra/dir\n") != NULL);
  CHECK(strstr(text, RLLOSS_TEST_PLUGIN_DIR "\n") != NULL);
  CHECK(strlen(text) + 1 == needed);
  /* Too small: nothing written, needed still reported. */
  text[0] = 'Z';
  CHECK_OK(rlloss_host_search_path(extra, 1, NULL, text, 4, &needed, &error));
  CHECK(text[0] == 'Z');
  free(text);
  CHECK_ERROR(rlloss_host_search_path(NULL, 1, NULL, NULL, 0, &needed, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "extra_dirs is NULL");
  const char* with_null[] = {NULL};
  CHECK_ERROR(rlloss_host_search_path(with_null, 1, NULL, NULL, 0, &needed, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "extra_dirs[0] is NULL");
  CHECK_ERROR(rlloss_host_search_path(NULL, 0, NULL, NULL, 0, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "needed is NULL");
  CHECK_ERROR(rlloss_host_search_path(NULL, 0, NULL, NULL, 10, &needed, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the buffer is NULL");

  /* The YAML's plugin_dirs join the path, resolved against its base directory. */
  rlloss_host_yaml* yaml = NULL;
  CHECK_OK(
      rlloss_host_yaml_parse("actor_rollout_ref: {actor: {policy_loss: {plugin_dirs: [zoo/toy]}}}",
                             RLLOSS_TEST_ZOO_DIR "/..", "inline", &yaml, &error));
  char path[4096];
  CHECK_OK(rlloss_host_search_path(NULL, 0, yaml, path, sizeof path, &needed, &error));
  CHECK(strstr(path, "zoo/toy\n") != NULL);
  rlloss_host_registry* registry = NULL;
  CHECK_OK(rlloss_host_registry_create(&registry, &error));
  CHECK_OK(rlloss_host_load_search_path(registry, NULL, 0, yaml, &error));
  rlloss_host_plugin_info info;
  info.struct_size = sizeof info;
  CHECK_OK(rlloss_host_find_plugin(registry, "toy", &info, &error));
  CHECK_OK(rlloss_host_find_plugin(registry, "sapo", &info, &error));
  rlloss_host_yaml_destroy(yaml);

  CHECK_OK(rlloss_host_yaml_parse(
      "actor_rollout_ref: {actor: {policy_loss: {plugin_dirs: [no_such_dir]}}}", "/tmp", NULL,
      &yaml, &error));
  CHECK_ERROR(rlloss_host_search_path(NULL, 0, yaml, NULL, 0, &needed, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "no_such_dir");
  CHECK_ERROR(rlloss_host_load_search_path(registry, NULL, 0, yaml, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "no_such_dir");
  rlloss_host_yaml_destroy(yaml);
  const char* missing[] = {"/no/such/plugin/dir"};
  CHECK_ERROR(rlloss_host_load_search_path(registry, missing, 1, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "plugin directory /no/such/plugin/dir does not exist");
  CHECK_ERROR(rlloss_host_load_search_path(NULL, NULL, 0, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the registry is NULL");
  rlloss_host_registry_destroy(registry);
}

static void test_loading(void) {
  rlloss_host_registry* registry = NULL;
  CHECK_OK(rlloss_host_registry_create(&registry, &error));
  CHECK(rlloss_host_num_plugins(registry) == 0);
  CHECK(rlloss_host_num_plugins(NULL) == 0);
  uint32_t added = 99;
  CHECK_OK(rlloss_host_load_directory(registry, RLLOSS_TEST_ZOO_DIR "/mixed", &added, &error));
  CHECK(added == 3); /* handmade, newer_minor, refuser; the rest is skipped */
  CHECK_OK(rlloss_host_load_directory(registry, RLLOSS_TEST_ZOO_DIR "/mixed", &added, &error));
  CHECK(added == 0);
  /* The first of the two is loaded before the second is refused. */
  CHECK_ERROR(rlloss_host_load_directory(registry, RLLOSS_TEST_ZOO_DIR "/dup", &added, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "two plugins named 'dup_loss'");
  CHECK(strstr(message, "librlloss_test_dup_a.so") != NULL);
  CHECK(strstr(message, "librlloss_test_dup_b.so") != NULL);
  CHECK_ERROR(rlloss_host_load_directory(registry, "/no/such/dir", &added, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "does not exist");
  CHECK(added == 0);
  CHECK_ERROR(rlloss_host_load_directory(registry, NULL, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the directory is NULL");
  CHECK_ERROR(rlloss_host_load_directory(NULL, "/tmp", NULL, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the registry is NULL");

  CHECK_OK(rlloss_host_load_file(registry, RLLOSS_TEST_PLUGIN_DIR "/librlloss_sapo.so", &error));
  CHECK_OK(rlloss_host_load_file(registry, RLLOSS_TEST_PLUGIN_DIR "/librlloss_sapo.so", &error));
  CHECK_ERROR(rlloss_host_load_file(registry, RLLOSS_TEST_ZOO_DIR "/mixed/libtext.so", &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "is not a plugin");
  CHECK_ERROR(rlloss_host_load_file(registry, "/no/such/libplugin.so", &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "does not exist");
  CHECK_ERROR(rlloss_host_load_file(registry, NULL, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the file is NULL");
  CHECK_ERROR(rlloss_host_load_file(NULL, "x.so", &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the registry is NULL");
  CHECK(rlloss_host_num_plugins(registry) == 5);

  /* Enumeration is sorted by name. */
  const char* expected[] = {"dup_loss", "handmade", "newer_minor", "refuser", "sapo"};
  for (uint32_t i = 0; i < 5; ++i) {
    rlloss_host_plugin_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK_OK(rlloss_host_plugin_at(registry, i, &info, &error));
    CHECK(info.name != NULL && strcmp(info.name, expected[i]) == 0);
  }
  rlloss_host_plugin_info info;
  info.struct_size = sizeof info;
  CHECK_ERROR(rlloss_host_plugin_at(registry, 5, &info, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "plugin index 5 is out of range: 5 plugins are loaded");
  CHECK_ERROR(rlloss_host_plugin_at(NULL, 0, &info, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the registry is NULL");
  CHECK_ERROR(rlloss_host_plugin_at(registry, 0, NULL, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the plugin info out-pointer is NULL");
  info.struct_size = 8;
  CHECK_ERROR(rlloss_host_plugin_at(registry, 0, &info, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "rlloss_host_plugin_info.struct_size is 8, smaller than its ABI 1.0 size");
  info.struct_size = sizeof info;

  /* What sapo declares. */
  CHECK_OK(rlloss_host_find_plugin(registry, "sapo", &info, &error));
  CHECK(strcmp(info.name, "sapo") == 0);
  CHECK(strlen(info.version) > 0 && strlen(info.description) > 0);
  CHECK(strstr(info.path, "librlloss_sapo.so") != NULL);
  CHECK((info.devices & RLLOSS_DEVICE_BIT(kDLCPU)) != 0);
  CHECK(info.abi_major == RLLOSS_ABI_VERSION_MAJOR);
  int has_ppo_kl = 0;
  for (uint32_t i = 0; i < info.num_metrics; ++i) {
    if (strcmp(info.metric_names[i], "ppo_kl") == 0) has_ppo_kl = 1;
  }
  CHECK(has_ppo_kl);
  int found_tau_neg = 0;
  for (uint32_t i = 0; i < info.num_args; ++i) {
    const rlloss_arg_spec* spec = NULL;
    CHECK_OK(rlloss_host_plugin_arg(registry, "sapo", i, &spec, &error));
    CHECK(spec != NULL && spec->doc != NULL);
    if (spec != NULL && strcmp(spec->name, "tau_neg") == 0) {
      found_tau_neg = 1;
      CHECK(spec->type == RLLOSS_ARG_FLOAT);
      CHECK(spec->default_number == 1.05);
    }
  }
  CHECK(found_tau_neg);
  const rlloss_arg_spec* spec = (const rlloss_arg_spec*)&info;
  CHECK_ERROR(rlloss_host_plugin_arg(registry, "sapo", info.num_args, &spec, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "argument index");
  CHECK(spec == NULL);
  CHECK_ERROR(rlloss_host_plugin_arg(registry, "nope", 0, &spec, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "unknown loss_mode 'nope'");
  CHECK_ERROR(rlloss_host_plugin_arg(registry, NULL, 0, &spec, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the plugin name is NULL");
  CHECK_ERROR(rlloss_host_plugin_arg(registry, "sapo", 0, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the argument spec out-pointer is NULL");
  CHECK_ERROR(
      rlloss_host_find_plugin(registry, "sappo", &info, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
      "unknown loss_mode 'sappo'; loaded plugins: dup_loss, handmade, newer_minor, refuser, sapo");
  CHECK_ERROR(rlloss_host_find_plugin(registry, NULL, &info, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the plugin name is NULL");
  rlloss_host_registry_destroy(registry);
}

static rlloss_host_registry* shipped_registry(void) {
  rlloss_host_registry* registry = NULL;
  const char* dirs[] = {RLLOSS_TEST_PLUGIN_DIR};
  CHECK_OK(rlloss_host_registry_create(&registry, &error));
  CHECK_OK(rlloss_host_load_search_path(registry, dirs, 1, NULL, &error));
  return registry;
}

static const char* arg_source(const rlloss_host_config* config, const char* name, double* number) {
  for (uint32_t i = 0; i < rlloss_host_config_num_args(config); ++i) {
    rlloss_host_arg arg;
    arg.struct_size = sizeof arg;
    if (rlloss_host_config_arg(config, i, &arg, &error) != RLLOSS_OK) return "(error)";
    if (strcmp(arg.name, name) == 0) {
      if (number) *number = arg.number;
      return arg.source;
    }
  }
  return "(absent)";
}

static void test_yaml_and_resolve(void) {
  rlloss_host_registry* registry = shipped_registry();
  rlloss_host_yaml* yaml = NULL;
  CHECK_OK(rlloss_host_yaml_load_file(RLLOSS_TEST_CONFIG_DIR "/sapo.yaml", &yaml, &error));
  rlloss_host_config* config = NULL;
  const char* overrides[] = {"tau_neg=1.2"};
  CHECK_OK(rlloss_host_resolve(registry, yaml, overrides, 1, &config, &error));
  CHECK(strcmp(rlloss_host_config_loss_mode(config), "sapo") == 0);
  double number = 0;
  CHECK(strcmp(arg_source(config, "tau_neg", &number), "override") == 0);
  CHECK(number == 1.2);
  CHECK(strcmp(arg_source(config, "tau_pos", &number), "actor_rollout_ref.actor.tau_pos") == 0);
  CHECK(number == 1.0);
  rlloss_host_arg arg;
  arg.struct_size = sizeof arg;
  CHECK_ERROR(rlloss_host_config_arg(config, 1000, &arg, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "argument index 1000 is out of range: the config of 'sapo'");
  arg.struct_size = 4;
  CHECK_ERROR(rlloss_host_config_arg(config, 0, &arg, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "rlloss_host_arg.struct_size is 4");
  CHECK_ERROR(rlloss_host_config_arg(NULL, 0, &arg, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the config is NULL");
  CHECK(rlloss_host_config_loss_mode(NULL) == NULL);
  CHECK(rlloss_host_config_num_args(NULL) == 0);

  /* A loss from the config. */
  rlloss_host_loss* loss = NULL;
  CHECK_OK(rlloss_host_loss_create_from_config(registry, config, &loss, &error));
  CHECK(message[0] == '\0');
  CHECK(rlloss_host_loss_num_args(loss) == rlloss_host_config_num_args(config));
  rlloss_host_loss_destroy(loss);
  CHECK_ERROR(rlloss_host_loss_create_from_config(registry, NULL, &loss, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the config is NULL");
  CHECK_ERROR(rlloss_host_loss_create_from_config(NULL, config, &loss, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the registry is NULL");
  CHECK_ERROR(rlloss_host_loss_create_from_config(registry, config, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the loss out-pointer is NULL");
  rlloss_host_config_destroy(config);

  /* Errors name the key, the value and what is allowed. */
  const char* negative[] = {"tau_neg=-1"};
  CHECK_ERROR(rlloss_host_resolve(registry, yaml, negative, 1, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "tau_neg");
  CHECK(strstr(message, "-1") != NULL);
  CHECK(config == NULL);
  const char* no_equals[] = {"tau_neg"};
  CHECK_ERROR(rlloss_host_resolve(registry, yaml, no_equals, 1, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "override 'tau_neg' has no '='");
  const char* unknown_mode[] = {"loss_mode=sappo"};
  CHECK_ERROR(rlloss_host_resolve(registry, yaml, unknown_mode, 1, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "sappo");
  CHECK(strstr(message, "ppo_clip, sapo") != NULL);
  const char* null_override[] = {NULL};
  CHECK_ERROR(rlloss_host_resolve(registry, yaml, null_override, 1, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "overrides[0] is NULL");
  CHECK_ERROR(rlloss_host_resolve(registry, yaml, NULL, 1, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "overrides is NULL");
  CHECK_ERROR(rlloss_host_resolve(NULL, yaml, NULL, 0, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the registry is NULL");
  CHECK_ERROR(rlloss_host_resolve(registry, yaml, NULL, 0, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the config out-pointer is NULL");
  rlloss_host_yaml_destroy(yaml);

  /* No YAML: an empty document; loss_mode must come from an override. */
  CHECK_ERROR(rlloss_host_resolve(registry, NULL, NULL, 0, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "loss_mode is not set");
  const char* ppo[] = {"loss_mode=ppo_clip", "clip_ratio=0.3"};
  CHECK_OK(rlloss_host_resolve(registry, NULL, ppo, 2, &config, &error));
  CHECK(strcmp(rlloss_host_config_loss_mode(config), "ppo_clip") == 0);
  CHECK(strcmp(arg_source(config, "clip_ratio_low", &number), "default_from clip_ratio") == 0);
  CHECK(number == 0.3);
  rlloss_host_config_destroy(config);

  /* Parsing errors. */
  CHECK_ERROR(rlloss_host_yaml_parse("a: [1, 2", NULL, "broken.yaml", &yaml, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "broken.yaml");
  CHECK(yaml == NULL);
  CHECK_ERROR(rlloss_host_yaml_parse(NULL, NULL, NULL, &yaml, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the YAML text is NULL");
  CHECK_ERROR(rlloss_host_yaml_parse("a: 1", NULL, NULL, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the YAML out-pointer is NULL");
  CHECK_ERROR(rlloss_host_yaml_load_file("/no/such/trainer.yaml", &yaml, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "/no/such/trainer.yaml");
  CHECK_ERROR(rlloss_host_yaml_load_file(NULL, &yaml, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the YAML path is NULL");
  CHECK_ERROR(rlloss_host_yaml_load_file("x", NULL, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the YAML out-pointer is NULL");
  CHECK_OK(rlloss_host_yaml_parse(
      "actor_rollout_ref: {actor: {tau_pos: '1.0', policy_loss: {loss_mode: sapo}}}", NULL, NULL,
      &yaml, &error));
  CHECK_ERROR(rlloss_host_resolve(registry, yaml, NULL, 0, &config, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "actor_rollout_ref.actor.tau_pos");
  rlloss_host_yaml_destroy(yaml);
  rlloss_host_yaml_destroy(NULL);
  rlloss_host_config_destroy(NULL);
  rlloss_host_registry_destroy(registry);
}

/* VECTORS.md, SAPO 2 x 4, token-mean. */
static const double kOld[8] = {-1.0, -1.2, -0.7, -2.0, -0.5, -1.5, -0.3, -0.9};
static const double kNew[8] = {-0.8, -1.5, -0.7, -1.0, -0.9, -1.0, -0.2, -0.9};
static const double kAdv[8] = {1.5, 1.5, 1.5, 1.5, -0.8, -0.8, -0.8, -0.8};
static const uint8_t kMask[8] = {1, 1, 1, 0, 1, 1, 0, 0};
static const double kLoss = -1.1315730862;
static const double kGrad[8] = {-0.3619668481, -0.2185545132, -0.3, 0,
                                0.1041013386,  0.2354162930,  0,    0};

static int64_t shape[2] = {2, 4};
static int64_t metrics_shape[1] = {0};

static DLTensor tensor_of(const void* data, uint8_t code, uint8_t bits, int32_t ndim,
                          int64_t* tensor_shape) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = (void*)data;
  t.device.device_type = kDLCPU;
  t.ndim = ndim;
  t.dtype.code = code;
  t.dtype.bits = bits;
  t.dtype.lanes = 1;
  t.shape = tensor_shape;
  t.strides = NULL;
  return t;
}

static void test_losses_and_compute(void) {
  rlloss_host_registry* registry = shipped_registry();
  rlloss_host_loss* loss = NULL;

  /* A legal but questionable setting: created, with the plugin's warning. */
  rlloss_arg_value values[2];
  memset(values, 0, sizeof values);
  values[0].struct_size = sizeof values[0];
  values[0].name = "tau_neg";
  values[0].type = RLLOSS_ARG_FLOAT;
  values[0].number = 0.5;
  CHECK_OK(rlloss_host_loss_create(registry, "sapo", values, 1, &loss, &error));
  CHECK(strstr(message, "tau_neg") != NULL);
  rlloss_host_loss_destroy(loss);

  /* Defaults and given values, read back with their sources. */
  values[0].number = 1.05;
  CHECK_OK(rlloss_host_loss_create(registry, "sapo", values, 1, &loss, &error));
  CHECK(message[0] == '\0');
  int seen_given = 0;
  for (uint32_t i = 0; i < rlloss_host_loss_num_args(loss); ++i) {
    rlloss_host_arg arg;
    arg.struct_size = sizeof arg;
    CHECK_OK(rlloss_host_loss_arg(loss, i, &arg, &error));
    if (strcmp(arg.name, "tau_neg") == 0) {
      seen_given = strcmp(arg.source, "given") == 0;
    } else if (strcmp(arg.name, "loss_agg_mode") == 0) {
      CHECK(strcmp(arg.string, "token-mean") == 0);
      CHECK(strcmp(arg.source, "default") == 0);
    }
  }
  CHECK(seen_given);
  rlloss_host_arg arg;
  arg.struct_size = sizeof arg;
  CHECK_ERROR(rlloss_host_loss_arg(loss, 500, &arg, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "argument index 500 is out of range: loss 'sapo'");
  CHECK_ERROR(rlloss_host_loss_arg(NULL, 0, &arg, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the loss is NULL");
  CHECK(rlloss_host_loss_num_args(NULL) == 0);
  rlloss_host_plugin_info info;
  info.struct_size = sizeof info;
  CHECK_OK(rlloss_host_loss_plugin(loss, &info, &error));
  CHECK(strcmp(info.name, "sapo") == 0);
  metrics_shape[0] = info.num_metrics;
  CHECK_ERROR(rlloss_host_loss_plugin(NULL, &info, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the loss is NULL");

  /* Bad values: every one refused with the reason, nothing created. */
  rlloss_host_loss* refused = (rlloss_host_loss*)&info;
  values[0].name = "tau_nag";
  CHECK_ERROR(rlloss_host_loss_create(registry, "sapo", values, 1, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "unknown argument 'tau_nag'");
  CHECK(refused == NULL);
  values[0].name = "tau_neg";
  values[0].number = -1;
  CHECK_ERROR(rlloss_host_loss_create(registry, "sapo", values, 1, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "argument 'tau_neg' = -1: out of range");
  values[0].number = 1;
  values[0].type = RLLOSS_ARG_STRING;
  values[0].string = "1";
  CHECK_ERROR(rlloss_host_loss_create(registry, "sapo", values, 1, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "has type string, expected float");
  values[0].type = RLLOSS_ARG_FLOAT;
  values[1] = values[0];
  CHECK_ERROR(rlloss_host_loss_create(registry, "sapo", values, 2, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "given twice");
  values[0].struct_size = 8;
  CHECK_ERROR(rlloss_host_loss_create(registry, "sapo", values, 2, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "rlloss_arg_value.struct_size is 8");
  values[0].struct_size = sizeof values[0];
  CHECK_ERROR(rlloss_host_loss_create(registry, "sapo", NULL, 1, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the argument values is NULL");
  CHECK_ERROR(rlloss_host_loss_create(registry, "nope", NULL, 0, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "unknown loss_mode 'nope'");
  CHECK_ERROR(rlloss_host_loss_create(registry, NULL, NULL, 0, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the plugin name is NULL");
  CHECK_ERROR(rlloss_host_loss_create(NULL, "sapo", NULL, 0, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the registry is NULL");
  CHECK_ERROR(rlloss_host_loss_create(registry, "sapo", NULL, 0, NULL, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "the loss out-pointer is NULL");
  /* A plugin whose create refuses: its status and message come through. */
  rlloss_host_registry* zoo = NULL;
  CHECK_OK(rlloss_host_registry_create(&zoo, &error));
  CHECK_OK(rlloss_host_load_directory(zoo, RLLOSS_TEST_ZOO_DIR "/mixed", NULL, &error));
  CHECK_ERROR(rlloss_host_loss_create(zoo, "refuser", NULL, 0, &refused, &error),
              RLLOSS_ERROR_INVALID_ARGUMENT, "refuses every argument set, on purpose");
  CHECK(refused == NULL);
  rlloss_host_registry_destroy(zoo);

  /* The registry may go first: the loss keeps its plugin. */
  rlloss_host_registry_destroy(registry);
  CHECK_OK(rlloss_host_loss_plugin(loss, &info, &error));
  CHECK(strstr(info.path, "librlloss_sapo.so") != NULL);

  double loss_value = 0;
  double grad[8];
  double metrics[64];
  for (int i = 0; i < 8; ++i) grad[i] = 12345;
  DLTensor log_prob = tensor_of(kNew, kDLFloat, 64, 2, shape);
  DLTensor old_log_prob = tensor_of(kOld, kDLFloat, 64, 2, shape);
  DLTensor advantages = tensor_of(kAdv, kDLFloat, 64, 2, shape);
  DLTensor mask = tensor_of(kMask, kDLUInt, 8, 2, shape);
  DLTensor loss_out = tensor_of(&loss_value, kDLFloat, 64, 0, NULL);
  DLTensor grad_out = tensor_of(grad, kDLFloat, 64, 2, shape);
  DLTensor metrics_out = tensor_of(metrics, kDLFloat, 64, 1, metrics_shape);
  rlloss_compute_call call;
  memset(&call, 0, sizeof call);
  call.struct_size = sizeof call;
  call.log_prob = &log_prob;
  call.old_log_prob = &old_log_prob;
  call.advantages = &advantages;
  call.response_mask = &mask;
  call.global_token_count = -1;
  call.global_seq_count = -1;
  call.dp_size = 1;
  call.loss = &loss_out;
  call.grad_log_prob = &grad_out;
  call.metrics = &metrics_out;
  CHECK_OK(rlloss_host_loss_compute(loss, &call, &error));
  CHECK(near(loss_value, kLoss, 1e-9));
  for (int i = 0; i < 8; ++i) CHECK(near(grad[i], kGrad[i], 1e-9));

  /* A bad tensor: the plugin's own status and message, no output written. */
  int64_t bad_shape[2] = {2, 3};
  DLTensor bad_advantages = tensor_of(kAdv, kDLFloat, 64, 2, bad_shape);
  call.advantages = &bad_advantages;
  loss_value = 777;
  CHECK_ERROR(rlloss_host_loss_compute(loss, &call, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "advantages");
  CHECK(loss_value == 777);
  call.advantages = &advantages;
  call.dp_size = 2;
  CHECK_ERROR(rlloss_host_loss_compute(loss, &call, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "dp_size");
  call.dp_size = 1;
  DLTensor half = tensor_of(kNew, kDLFloat, 16, 2, shape);
  half.device.device_type = kDLCUDAHost;
  call.log_prob = &half;
  CHECK(rlloss_host_loss_compute(loss, &call, &error) != RLLOSS_OK);
  CHECK(message[0] != '\0');
  call.log_prob = &log_prob;
  CHECK_ERROR(rlloss_host_loss_compute(loss, NULL, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the compute call is NULL");
  CHECK_ERROR(rlloss_host_loss_compute(NULL, &call, &error), RLLOSS_ERROR_INVALID_ARGUMENT,
              "the loss is NULL");
  /* A NULL error buffer: the status alone. */
  call.dp_size = 2;
  CHECK(rlloss_host_loss_compute(loss, &call, NULL) == RLLOSS_ERROR_INVALID_ARGUMENT);
  rlloss_host_loss_destroy(loss);
  rlloss_host_loss_destroy(NULL);
}

int main(void) {
  test_version_and_logger();
  test_error_buffer();
  test_search_path();
  test_loading();
  test_yaml_and_resolve();
  test_losses_and_compute();
  printf("host C API: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
