// dlpack_view describes a torch tensor without copying it; TorchCallViews describes a call's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <rlloss/torch_loss.hpp>
#include <utility>

namespace rlloss {
namespace {

using ::testing::HasSubstr;

TEST(DlpackView, PointsAtTheTensorsOwnMemoryShapeAndStrides) {
  const torch::Tensor big = torch::zeros({5, 9}, torch::kFloat64);
  const torch::Tensor view = big.slice(1, 2, 8).t();  // [6, 5], strides [1, 9], offset 2
  const DLTensor dl = dlpack_view(view);
  EXPECT_EQ(dl.data, static_cast<void*>(big.data_ptr<double>() + 2));
  EXPECT_EQ(dl.byte_offset, 0u);
  EXPECT_EQ(dl.ndim, 2);
  EXPECT_EQ(dl.shape, view.sizes().data());
  EXPECT_EQ(dl.shape[0], 6);
  EXPECT_EQ(dl.shape[1], 5);
  EXPECT_EQ(dl.strides[0], 1);
  EXPECT_EQ(dl.strides[1], 9);
  EXPECT_EQ(dl.device.device_type, kDLCPU);
  EXPECT_EQ(dl.device.device_id, 0);
}

TEST(DlpackView, Dtypes) {
  const auto code_bits = [](torch::Dtype dtype) {
    const DLTensor dl = dlpack_view(torch::zeros({2}, torch::TensorOptions().dtype(dtype)));
    EXPECT_EQ(dl.dtype.lanes, 1);
    return std::make_pair(static_cast<int>(dl.dtype.code), static_cast<int>(dl.dtype.bits));
  };
  EXPECT_EQ(code_bits(torch::kFloat32), std::make_pair(int{kDLFloat}, 32));
  EXPECT_EQ(code_bits(torch::kFloat64), std::make_pair(int{kDLFloat}, 64));
  EXPECT_EQ(code_bits(torch::kFloat16), std::make_pair(int{kDLFloat}, 16));
  EXPECT_EQ(code_bits(torch::kBFloat16), std::make_pair(int{kDLBfloat}, 16));
  EXPECT_EQ(code_bits(torch::kBool), std::make_pair(6, 8));  // kDLBool of DLPack 0.8
  EXPECT_EQ(code_bits(torch::kUInt8), std::make_pair(int{kDLUInt}, 8));
  EXPECT_EQ(code_bits(torch::kInt32), std::make_pair(int{kDLInt}, 32));
}

TEST(DlpackView, ZeroDimensionalTensor) {
  const torch::Tensor scalar = torch::zeros({}, torch::kFloat64);
  const DLTensor dl = dlpack_view(scalar);
  EXPECT_EQ(dl.ndim, 0);
  EXPECT_EQ(dl.data, scalar.data_ptr());
}

TEST(DlpackView, UndefinedAndUndescribableTensorsAreErrors) {
  try {
    dlpack_view(torch::Tensor());
    ADD_FAILURE() << "expected a RegistryError";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("undefined tensor"));
  }
  try {
    dlpack_view(torch::zeros({2}, torch::kComplexFloat));
    ADD_FAILURE() << "expected a RegistryError";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("has no DLPack description"));
  }
}

TorchCallTensors call_tensors() {
  TorchCallTensors call;
  call.log_prob = torch::zeros({2, 3}, torch::kFloat32);
  call.old_log_prob = torch::ones({2, 3}, torch::kFloat32);
  call.advantages = torch::full({2, 3}, 2.0f);
  call.response_mask = torch::ones({2, 3}, torch::kBool);
  call.loss = torch::zeros({}, torch::kFloat64);
  call.grad_log_prob = torch::empty({2, 3}, torch::kFloat32);
  return call;
}

TEST(TorchCallViews, EachPointerDescribesItsOwnTensorAndUndefinedOptionalsAreNull) {
  TorchCallTensors call = call_tensors();
  const TorchCallTensors kept = call;  // shares the storage the views describe
  const TorchCallViews views(std::move(call));
  const ComputeTensors& t = views.tensors();
  ASSERT_NE(t.log_prob, nullptr);
  EXPECT_EQ(t.log_prob->data, kept.log_prob.data_ptr());
  EXPECT_EQ(t.old_log_prob->data, kept.old_log_prob.data_ptr());
  EXPECT_EQ(t.advantages->data, kept.advantages.data_ptr());
  EXPECT_EQ(t.response_mask->data, kept.response_mask.data_ptr());
  EXPECT_EQ(t.response_mask->dtype.code, 6);  // bool crosses as kDLBool
  EXPECT_EQ(t.loss->data, kept.loss.data_ptr());
  EXPECT_EQ(t.loss->ndim, 0);
  EXPECT_EQ(t.grad_log_prob->data, kept.grad_log_prob.data_ptr());
  EXPECT_EQ(t.rollout_is_weights, nullptr);
  EXPECT_EQ(t.metrics, nullptr);
}

TEST(TorchCallViews, DefinedOptionalsAreDescribed) {
  TorchCallTensors call = call_tensors();
  call.rollout_is_weights = torch::ones({2, 3}, torch::kFloat32);
  call.metrics = torch::zeros({4}, torch::kFloat64);
  const TorchCallTensors kept = call;
  const TorchCallViews views(std::move(call));
  ASSERT_NE(views.tensors().rollout_is_weights, nullptr);
  EXPECT_EQ(views.tensors().rollout_is_weights->data, kept.rollout_is_weights.data_ptr());
  ASSERT_NE(views.tensors().metrics, nullptr);
  EXPECT_EQ(views.tensors().metrics->shape[0], 4);
}

TEST(TorchCallViews, AnUndefinedRequiredTensorIsAnError) {
  TorchCallTensors call = call_tensors();
  call.advantages = torch::Tensor();
  try {
    const TorchCallViews views(std::move(call));
    ADD_FAILURE() << "expected a RegistryError";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("undefined tensor"));
  }
}

}  // namespace
}  // namespace rlloss
