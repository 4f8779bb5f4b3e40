// What the Python tests compare against, from C++:
//   rlloss_python_oracle layout
//     prints "<struct> <field> <offset>" and "<struct> sizeof <size>" for every C struct the
//     Python package mirrors with ctypes;
//   rlloss_python_oracle dtypes
//     prints "<torch dtype> <DLPack code> <bits>" from the C++ binding's dlpack_dtype();
//   rlloss_python_oracle compute <in> <out> <plugin> <B> <T> <float32|float64> <bool|uint8|float>
//                               <weights 0|1> <global_tokens> <global_seqs> <dp_size> [k=v ...]
//     reads log_prob, old_log_prob, advantages, mask and weights ([B, T] float64 each, in that
//     order) from <in>, runs the C++ LibTorch binding (rlloss::compute_loss, then backward) and
//     writes the loss, d loss / d log_prob and the metrics, as float64, to <out>.
#include <rlloss/host_api.h>

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <rlloss/loss_config.hpp>
#include <rlloss/registry.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>
#include <vector>

namespace {

#define RLLOSS_FIELD(type, field) std::printf("%s %s %zu\n", #type, #field, offsetof(type, field))
#define RLLOSS_SIZE(type) std::printf("%s sizeof %zu\n", #type, sizeof(type))

void print_layout() {
  RLLOSS_SIZE(DLTensor);
  RLLOSS_FIELD(DLTensor, data);
  RLLOSS_FIELD(DLTensor, device);
  RLLOSS_FIELD(DLTensor, ndim);
  RLLOSS_FIELD(DLTensor, dtype);
  RLLOSS_FIELD(DLTensor, shape);
  RLLOSS_FIELD(DLTensor, strides);
  RLLOSS_FIELD(DLTensor, byte_offset);
  RLLOSS_SIZE(rlloss_error_buffer);
  RLLOSS_FIELD(rlloss_error_buffer, data);
  RLLOSS_FIELD(rlloss_error_buffer, capacity);
  RLLOSS_SIZE(rlloss_arg_spec);
  RLLOSS_FIELD(rlloss_arg_spec, type);
  RLLOSS_FIELD(rlloss_arg_spec, default_number);
  RLLOSS_FIELD(rlloss_arg_spec, min_inclusive);
  RLLOSS_FIELD(rlloss_arg_spec, choices);
  RLLOSS_FIELD(rlloss_arg_spec, num_choices);
  RLLOSS_FIELD(rlloss_arg_spec, default_from);
  RLLOSS_SIZE(rlloss_arg_value);
  RLLOSS_FIELD(rlloss_arg_value, type);
  RLLOSS_FIELD(rlloss_arg_value, number);
  RLLOSS_FIELD(rlloss_arg_value, string);
  RLLOSS_SIZE(rlloss_compute_call);
  RLLOSS_FIELD(rlloss_compute_call, rollout_is_weights);
  RLLOSS_FIELD(rlloss_compute_call, global_token_count);
  RLLOSS_FIELD(rlloss_compute_call, dp_size);
  RLLOSS_FIELD(rlloss_compute_call, num_threads);
  RLLOSS_FIELD(rlloss_compute_call, stream);
  RLLOSS_FIELD(rlloss_compute_call, loss);
  RLLOSS_FIELD(rlloss_compute_call, metrics);
  RLLOSS_SIZE(rlloss_host_plugin_info);
  RLLOSS_FIELD(rlloss_host_plugin_info, devices);
  RLLOSS_FIELD(rlloss_host_plugin_info, metric_names);
  RLLOSS_FIELD(rlloss_host_plugin_info, num_metrics);
  RLLOSS_FIELD(rlloss_host_plugin_info, num_args);
  RLLOSS_FIELD(rlloss_host_plugin_info, abi_minor);
  RLLOSS_SIZE(rlloss_host_arg);
  RLLOSS_FIELD(rlloss_host_arg, type);
  RLLOSS_FIELD(rlloss_host_arg, number);
  RLLOSS_FIELD(rlloss_host_arg, source);
}

int compute(int argc, char** argv) {
  if (argc < 13) {
    std::cerr << "compute: expected 11 arguments and optional key=value arguments\n";
    return 2;
  }
  const std::string in_path = argv[2], out_path = argv[3], plugin = argv[4];
  const int64_t B = std::stoll(argv[5]), T = std::stoll(argv[6]);
  const auto dtype = std::string(argv[7]) == "float32" ? torch::kFloat32 : torch::kFloat64;
  const std::string mask_kind = argv[8];
  const bool with_weights = std::string(argv[9]) == "1";

  std::vector<double> data(static_cast<size_t>(5 * B * T));
  std::ifstream in(in_path, std::ios::binary);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size() * 8));
  if (!in) {
    std::cerr << "compute: cannot read " << in_path << "\n";
    return 2;
  }
  const auto input = [&](int i) {
    return torch::from_blob(data.data() + i * B * T, {B, T}, torch::kFloat64).clone();
  };

  rlloss::Registry registry;
  registry.load_search_path();
  std::vector<rlloss::LossOverride> overrides{{"loss_mode", plugin}};
  for (int i = 13; i < argc; ++i) overrides.push_back(rlloss::parse_override(argv[i]));
  const auto config =
      rlloss::resolve_loss_config(registry, rlloss::parse_trainer_yaml("{}"), overrides);
  const auto loss = rlloss::create_loss(registry, config);

  rlloss::LossInputs inputs;
  inputs.log_prob = input(0).to(dtype).requires_grad_(true);
  inputs.old_log_prob = input(1).to(dtype);
  inputs.advantages = input(2).to(dtype);
  const torch::Tensor mask = input(3);
  inputs.response_mask = mask_kind == "bool"    ? mask.to(torch::kBool)
                         : mask_kind == "uint8" ? mask.to(torch::kUInt8)
                                                : mask.to(dtype);
  if (with_weights) inputs.rollout_is_weights = input(4).to(dtype);
  inputs.normalisers.global_token_count = std::stoll(argv[10]);
  inputs.normalisers.global_seq_count = std::stoll(argv[11]);
  inputs.normalisers.dp_size = std::stoll(argv[12]);
  const rlloss::LossOutput output = rlloss::compute_loss(*loss, inputs);
  output.loss.backward();

  std::vector<double> out{output.loss.to(torch::kFloat64).item<double>()};
  const torch::Tensor grad = inputs.log_prob.grad().to(torch::kFloat64).contiguous();
  out.insert(out.end(), grad.data_ptr<double>(), grad.data_ptr<double>() + grad.numel());
  for (const auto& name : loss->metric_names())
    out.push_back(output.metrics.at(name).item<double>());
  std::ofstream file(out_path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(out.data()),
             static_cast<std::streamsize>(out.size() * 8));
  return file ? 0 : 1;
}

void print_dtypes() {
  for (const auto type :
       {torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kBFloat16, torch::kBool,
        torch::kUInt8, torch::kInt8, torch::kInt16, torch::kInt32, torch::kInt64}) {
    const DLDataType dtype = rlloss::dlpack_dtype(type);
    std::printf("%s %d %d\n", c10::toString(type), dtype.code, dtype.bits);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "layout") {
    print_layout();
    return 0;
  }
  if (mode == "dtypes") {
    print_dtypes();
    return 0;
  }
  if (mode == "compute") {
    try {
      return compute(argc, argv);
    } catch (const std::exception& e) {
      std::cerr << "compute: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "usage: rlloss_python_oracle layout | dtypes | compute ...\n";
  return 2;
}
