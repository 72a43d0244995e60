// The CPU backend: tensors in host memory, loops parallelised with OpenMP over independent
// outputs (so results never depend on the thread count), GEMMs through Eigen.
#pragma once

#include "kernels/backend.hpp"

namespace mpsim::kernels {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads = 0);  // 0: all hardware threads
  Device device() const override { return Device::cpu; }
  std::string description() const override;
  int threads() const { return threads_; }

  Tensor empty(std::vector<std::int64_t> shape, const FloatFormat& format, std::string name) override;
  void fill(Tensor& t, float value) override;
  void copy_from_host(Tensor& dst, const float* src) override;
  void copy_to_host(const Tensor& src, float* dst) override;
  void copy(const Tensor& src, Tensor& dst) override;

  QuantizeCounts quantize(const Tensor& in, Tensor& out, const QuantizeSpec& spec) override;
  float amax(const Tensor& t) override;
  QuantizeCounts quantize_with_amax(const Tensor& in, Tensor& out, const QuantizeSpec& spec, float& amax) override;
  ExponentHistogram exponent_histogram(const Tensor& t) override;

  GemmPath gemm_fast(const GemmSpec& spec, const Tensor& a, const Tensor& b, Tensor& c) override;
  GemmExactCounts gemm_exact(const GemmSpec& spec, const MacFormats& formats, const Tensor& a, const Tensor& b,
                             Tensor& c) override;

  void im2col(const ConvShape& shape, const Tensor& input, Tensor& columns) override;
  void col2im(const ConvShape& shape, const Tensor& columns, Tensor& input_grad) override;

  void bias_add(Tensor& x, const Tensor& bias) override;
  void bias_grad(const Tensor& dy, Tensor& dbias) override;
  void relu_forward(const Tensor& x, Tensor& y) override;
  void relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) override;
  double softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels, Tensor& dlogits) override;
  void batchnorm_stats(const Tensor& x, Tensor& mean, Tensor& variance) override;

  void add(const Tensor& a, const Tensor& b, Tensor& y) override;
  void scale(const Tensor& x, float s, Tensor& y) override;
  void transpose(const Tensor& src, Tensor& dst, std::int64_t batch, std::int64_t rows, std::int64_t cols) override;
  std::int64_t count_non_finite(const Tensor& t) override;
  std::int64_t count_different(const Tensor& a, const Tensor& b) override;

  void batchnorm_forward(const BatchNormSpec& spec, const Tensor& x, const Tensor& gamma, const Tensor& beta,
                         Tensor& running_mean, Tensor& running_var, Tensor& mean, Tensor& inv_std, Tensor* xhat,
                         Tensor& y) override;
  void batchnorm_backward(const Tensor& dy, const Tensor& xhat, const Tensor& gamma, const Tensor& inv_std,
                          Tensor& dgamma, Tensor& dbeta, Tensor* dx) override;
  void maxpool_forward(const PoolSpec& spec, const Tensor& x, Tensor& y, Tensor& argmax) override;
  void maxpool_backward(const PoolSpec& spec, const Tensor& argmax, const Tensor& dy, Tensor& dx) override;
  void avgpool_forward(const Tensor& x, Tensor& y) override;
  void avgpool_backward(const Tensor& dy, Tensor& dx) override;

  void sgd_update(const SgdSpec& spec, Tensor& master, const Tensor& grad, Tensor& momentum) override;
  void adam_moments(const AdamSpec& spec, const Tensor& master, const Tensor& grad, Tensor& m, Tensor& v) override;
  void adam_denominators(const AdamSpec& spec, const Tensor& v, Tensor& denominators) override;
  std::int64_t adam_apply(const AdamSpec& spec, Tensor& master, const Tensor& m, const Tensor& denominators) override;

 private:
  int threads_;
};

}  // namespace mpsim::kernels
