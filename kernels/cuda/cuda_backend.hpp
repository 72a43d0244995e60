// The CUDA backend: tensors in device memory (cudaMalloc), our kernels for quantize, the
// reductions, gemm_exact, im2col/col2im and the elementwise ops, cuBLAS / cuBLASLt for gemm_fast.
// Each kernel file names the CPU function it must match (kernels/cpu/); the shared per-element
// code lives in kernels/ (quantize_element.hpp, element_ops.hpp, conv_lowering.hpp) and model/.
//
// This header has no CUDA includes, so host-only code (tests, the factory in backend.cpp) can
// name the class; the library handles are forward-declared as cuBLAS declares them.
//
// Work runs on the default stream, so kernels and copies are ordered; calls that return a value
// (quantize counts, amax, ...) wait for it. Those few bytes of results, and the labels of
// softmax_cross_entropy, move between host and device inside the kernel call; traffic().transfers()
// counts tensor copies only (copy_from_host / copy_to_host), with the bytes actually moved
// (4 per element: tensors hold fp32 values whatever their storage format).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/backend.hpp"

struct cublasContext;    // cublasHandle_t   (cublas_api.h)
struct cublasLtContext;  // cublasLtHandle_t (cublasLt.h)

namespace mpsim::kernels {

// Grow-only device memory for a kernel's internal buffers (packed operands, fp8 bytes, counters).
// Contents do not survive a call that grows it.
class DeviceScratch {
 public:
  DeviceScratch() = default;
  ~DeviceScratch();
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;

  void* get(std::size_t bytes);  // at least `bytes`, aligned as cudaMalloc aligns (256 bytes)
  template <typename T>
  T* as(std::int64_t count) {
    return static_cast<T*>(get(static_cast<std::size_t>(count) * sizeof(T)));
  }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device_index = 0);  // throws KernelError when CUDA calls fail
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  Device device() const override { return Device::cuda; }
  std::string description() const override;  // "cuda: NVIDIA H100 80GB HBM3 (sm_90)"
  int compute_capability() const { return compute_capability_; }  // 10 * major + minor, e.g. 90
  static constexpr std::size_t kLtWorkspaceBytes = std::size_t{32} << 20;  // cuBLASLt split-K / FP8 kernels
  // Why the last gemm_fast call took cublas_fp32 instead of the native FP8 path; empty when it
  // took cublaslt_fp8. The returned GemmPath says which; this says why.
  const std::string& gemm_fast_note() const { return gemm_fast_note_; }

  Tensor empty(std::vector<std::int64_t> shape, const FloatFormat& format, std::string name) override;
  void fill(Tensor& t, float value) override;
  void copy_from_host(Tensor& dst, const float* src) override;
  void copy_to_host(const Tensor& src, float* dst) override;
  void copy(const Tensor& src, Tensor& dst) override;

  QuantizeCounts quantize(const Tensor& in, Tensor& out, const QuantizeSpec& spec) override;
  float amax(const Tensor& t) override;
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
  unsigned grid(std::int64_t n) const;  // blocks of a grid-stride launch over n items
  // One zeroed device counter in results_, and its value once the kernels before have run.
  unsigned long long* zeroed_count();
  std::int64_t read_count(unsigned long long* count);
  // Channel moments of x [outer, channels, inner] in layer_work_: channels means, then channels
  // biased variances, in double, in the CPU's two-level order (channel_moments, element_ops.hpp).
  // Needs channels > 0.
  const double* channel_moments_device(const float* x, const BiasLayout& l);
  // max |x| over the non-NaN elements of n device floats (NaN when all are NaN, 0 when n == 0).
  float device_amax(const float* x, std::int64_t n);
  // gemm_fast's native FP8 path (kernels/cuda/cuda_gemm.cu); false, with gemm_fast_note_ saying
  // why, when it does not apply and cuBLAS fp32 must run instead.
  bool gemm_fast_fp8(const GemmSpec& spec, const GemmDims& d, const Tensor& a, const Tensor& b, Tensor& c);
  // t's batch of [rows, depth] operands (stored [depth, rows] when transposed) as row-major fp8
  // codes of format f in `out`, exactly, at the scale it returns in *scale; false (with the note
  // set) when no scale it tries makes every value exact.
  bool to_fp8(const Tensor& t, const char* which, const FloatFormat& f, std::int64_t batch, std::int64_t rows,
              std::int64_t depth, bool transposed, std::uint8_t* out, float* scale);

  int device_index_ = 0;
  int compute_capability_ = 0;
  int sm_count_ = 1;
  std::string name_;
  cublasContext* blas_ = nullptr;
  cublasLtContext* lt_ = nullptr;
  std::string gemm_fast_note_;

  DeviceScratch results_;            // counters and small results read back by the host
  DeviceScratch work_a_, work_b_;    // packed or fp8 operands
  DeviceScratch codes_a_, codes_b_;  // operand codes for gemm_exact's general path
  DeviceScratch lt_workspace_;       // cuBLASLt workspace
  DeviceScratch layer_work_;         // row and channel sums of bias_grad, batchnorm_stats, batch norm
};

}  // namespace mpsim::kernels
