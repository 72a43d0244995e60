// Backend: the one interface training and verification call for every GEMM, conversion and
// reduction. Two implementations: cpu (Eigen + OpenMP, kernels/cpu/) and cuda (cuBLAS/cuBLASLt
// and our kernels, kernels/cuda/), chosen at run time by make_backend(). Both must give
// identical bits for quantize, gemm_exact, amax, the histogram, im2col/col2im and the
// elementwise ops; gemm_fast agrees within the fp32-accumulation bound (tests/kernels/).
//
// Tensors live where the backend puts them; copy_from_host / copy_to_host are the only
// transfers and are counted in traffic().transfers(). Every kernel records the bytes it reads
// and writes per tensor in traffic() (kernels/traffic.hpp).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/element_ops.hpp"
#include "kernels/layer_ops.hpp"
#include "kernels/ops.hpp"
#include "kernels/tensor.hpp"
#include "kernels/traffic.hpp"
#include "model/mac.hpp"

namespace mpsim::kernels {

// Bad arguments to a kernel (shape mismatch, wrong device): a programming error upstream or bad
// user input that slipped through; the message names the kernel and the shapes.
struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Which path gemm_fast took, so a fallback is reported, never silent.
enum class GemmPath : std::uint8_t {
  eigen_fp32,       // CPU: Eigen sgemm on the (already quantized) fp32 values
  cublas_fp32,      // GPU: cublasSgemm-class fp32 GEMM
  cublaslt_fp8,     // GPU: native FP8 tensor-core GEMM through cuBLASLt (sm_89+)
};
const char* gemm_path_name(GemmPath p);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;
  // e.g. "cpu: 2 threads, Eigen 3.4.0" or "cuda: NVIDIA H100 80GB HBM3 (sm_90)".
  virtual std::string description() const = 0;

  // --- memory ---------------------------------------------------------------------------
  // Uninitialised storage; `format` is the storage format (traffic), `name` appears in traffic.
  virtual Tensor empty(std::vector<std::int64_t> shape, const FloatFormat& format, std::string name) = 0;
  virtual void fill(Tensor& t, float value) = 0;
  virtual void copy_from_host(Tensor& dst, const float* src) = 0;
  virtual void copy_to_host(const Tensor& src, float* dst) = 0;
  // Device-to-device copy of the same number of elements (not a host transfer).
  virtual void copy(const Tensor& src, Tensor& dst) = 0;

  Tensor zeros(std::vector<std::int64_t> shape, const FloatFormat& format, std::string name);
  Tensor from_host(std::vector<std::int64_t> shape, const std::vector<float>& values, const FloatFormat& format,
                   std::string name);
  std::vector<float> to_host(const Tensor& t);

  // --- numerics -------------------------------------------------------------------------
  // out = Q(in * scale) / scale elementwise (ops.hpp); out may be in. Sets out's format.
  virtual QuantizeCounts quantize(const Tensor& in, Tensor& out, const QuantizeSpec& spec) = 0;
  // max |x| over finite and infinite elements; NaN elements are skipped (NaN if all are NaN).
  virtual float amax(const Tensor& t) = 0;
  // quantize(in, out, spec) and amax(in) of the values before rounding (out may be in), in one
  // pass where the backend has one: training needs both for every tensor it rounds. The
  // default makes the two calls.
  virtual QuantizeCounts quantize_with_amax(const Tensor& in, Tensor& out, const QuantizeSpec& spec, float& amax);
  virtual ExponentHistogram exponent_histogram(const Tensor& t) = 0;

  // C = op(A) op(B) (+ C), fp32 accumulation in the library's order (ops.hpp for shapes).
  virtual GemmPath gemm_fast(const GemmSpec& spec, const Tensor& a, const Tensor& b, Tensor& c) = 0;
  // The array's arithmetic: every C[m][n] = mac(... mac(mac(init, a_m0, b_0n), a_m1, b_1n) ...)
  // in ascending k with model/'s MAC, init = C (accumulate) or +0; formats.a/b are the formats
  // A's and B's values lie in, formats.acc the accumulator (C is left in it). Bit-identical to
  // model/'s dot() on both backends.
  virtual GemmExactCounts gemm_exact(const GemmSpec& spec, const MacFormats& formats, const Tensor& a,
                                     const Tensor& b, Tensor& c) = 0;

  // --- convolution lowering (ops.hpp, ConvShape) ------------------------------------------
  virtual void im2col(const ConvShape& shape, const Tensor& input, Tensor& columns) = 0;
  // input_grad = sum of the columns' entries over the positions each input element was copied to.
  virtual void col2im(const ConvShape& shape, const Tensor& columns, Tensor& input_grad) = 0;

  // --- elementwise and reductions ----------------------------------------------------------
  // x[m, n] += bias[n] for x [M, N] (or NCHW with bias per channel: x [N, C, H, W], bias [C]).
  virtual void bias_add(Tensor& x, const Tensor& bias) = 0;
  // dbias[n] = sum over all other dimensions of dy (the layout of bias_add).
  virtual void bias_grad(const Tensor& dy, Tensor& dbias) = 0;
  virtual void relu_forward(const Tensor& x, Tensor& y) = 0;
  // dx = dy where x > 0, else 0 (x may be the ReLU output: same mask).
  virtual void relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) = 0;
  // Mean softmax cross-entropy of logits [N, classes] against labels; dlogits = (softmax -
  // onehot) / N. The sum runs in double in row order, so the result does not depend on threads.
  virtual double softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels,
                                       Tensor& dlogits) = 0;
  // Per-channel mean and biased variance of x [N, C, H, W] or [N, C] (double accumulation).
  virtual void batchnorm_stats(const Tensor& x, Tensor& mean, Tensor& variance) = 0;

  // y = a + b (y may be a or b: dx += src is add(dx, src, dx)); y = x * s.
  virtual void add(const Tensor& a, const Tensor& b, Tensor& y) = 0;
  virtual void scale(const Tensor& x, float s, Tensor& y) = 0;
  // [batch, rows, cols] -> [batch, cols, rows]: a convolution's GEMM rows [N, P, K] to NCHW
  // [N, K, P] and back.
  virtual void transpose(const Tensor& src, Tensor& dst, std::int64_t batch, std::int64_t rows,
                         std::int64_t cols) = 0;
  // Elements that are Inf or NaN (GradScaler's found_inf); elements where a != b (NaN counts).
  virtual std::int64_t count_non_finite(const Tensor& t) = 0;
  virtual std::int64_t count_different(const Tensor& a, const Tensor& b) = 0;

  // --- training layers (kernels/layer_ops.hpp) ------------------------------------------------
  // x [N, C, ...]; gamma, beta, running_mean, running_var, mean, inv_std [C]. Writes each
  // channel's mean and inv_std (what backward needs) and, in training, updates the running
  // statistics; xhat (may be null) gets the normalised x.
  virtual void batchnorm_forward(const BatchNormSpec& spec, const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                 Tensor& running_mean, Tensor& running_var, Tensor& mean, Tensor& inv_std, Tensor* xhat,
                                 Tensor& y) = 0;
  // dgamma, dbeta [C]; dx (may be null) as x.
  virtual void batchnorm_backward(const Tensor& dy, const Tensor& xhat, const Tensor& gamma, const Tensor& inv_std,
                                  Tensor& dgamma, Tensor& dbeta, Tensor* dx) = 0;
  // x [N, C, H, W] -> y [N, C, OH, OW] with OH = (H - kernel) / stride + 1; argmax (shaped as
  // y) gets where each maximum was (window_argmax's offset). Backward adds each dy at its argmax
  // into dx [N, C, H, W], zero where no maximum was.
  virtual void maxpool_forward(const PoolSpec& spec, const Tensor& x, Tensor& y, Tensor& argmax) = 0;
  virtual void maxpool_backward(const PoolSpec& spec, const Tensor& argmax, const Tensor& dy, Tensor& dx) = 0;
  // Global average: x [N, C, H, W] -> y [N, C]; dx = dy / (H W) broadcast.
  virtual void avgpool_forward(const Tensor& x, Tensor& y) = 0;
  virtual void avgpool_backward(const Tensor& dy, Tensor& dx) = 0;

  // --- optimizers (kernels/layer_ops.hpp), master, grad and state of one parameter -------------
  virtual void sgd_update(const SgdSpec& spec, Tensor& master, const Tensor& grad, Tensor& momentum) = 0;
  virtual void adam_moments(const AdamSpec& spec, const Tensor& master, const Tensor& grad, Tensor& m, Tensor& v) = 0;
  virtual void adam_denominators(const AdamSpec& spec, const Tensor& v, Tensor& denominators) = 0;
  // Returns the elements whose denominator is 0 (not updated).
  virtual std::int64_t adam_apply(const AdamSpec& spec, Tensor& master, const Tensor& m, const Tensor& denominators) = 0;

  TrafficLog& traffic() { return traffic_; }

 protected:
  std::uint32_t next_tensor_id() { return next_id_++; }
  TrafficLog traffic_;

 private:
  std::uint32_t next_id_ = 1;
};

// "cpu" or "cuda". CUDA where it was not built, or where no GPU is present, throws
// std::runtime_error with one line saying which.
std::unique_ptr<Backend> make_backend(Device device, int cpu_threads = 0);
Device parse_device(const std::string& name);  // throws std::invalid_argument

// Shape checks shared by both backends (throw KernelError naming the kernel).
struct GemmDims {
  std::int64_t batch, m, n, k;
};
GemmDims check_gemm(const char* kernel, const GemmSpec& spec, const Tensor& a, const Tensor& b, const Tensor& c);
void check_same_numel(const char* kernel, const Tensor& x, const Tensor& y);
// Every tensor given (null entries skipped) has as many elements as the first.
void check_same_numels(const char* kernel, std::initializer_list<const Tensor*> tensors);
void check_device(const char* kernel, const Tensor& t, Device d);
// check_device for each tensor given (null entries, for optional tensors, are skipped).
void check_devices(const char* kernel, std::initializer_list<const Tensor*> tensors, Device d);
// The format of a quantize call must have only fp32 values (tensors hold fp32).
void check_quantize_format(const QuantizeSpec& spec);
// gemm_exact's formats must have only fp32 values.
void check_gemm_exact_formats(const MacFormats& formats);
// gemm_exact found v in operand `which` ("A", "B" or "C") that is not a value of `format`.
[[noreturn]] void throw_not_format_value(const char* which, const Tensor& t, float v, const FloatFormat& format);
// im2col / col2im: the shape gives output positions and input / columns have its sizes.
void check_conv(const char* kernel, const ConvShape& s, const Tensor& input, const Tensor& columns);
// bias_add / bias_grad / batchnorm_stats: one bias entry per column (rank 2) or channel (rank 4).
BiasLayout bias_layout(const char* kernel, const Tensor& x, const Tensor& bias);
// maxpool: x [N, C, H, W] and y [N, C, (H - kernel) / stride + 1, (W - kernel) / stride + 1].
void check_pool(const char* kernel, const PoolSpec& spec, const Tensor& x, const Tensor& y);
// avgpool: x [N, C, H, W] and y [N, C].
void check_avgpool(const char* kernel, const Tensor& x, const Tensor& y);
// transpose: src and dst hold batch * rows * cols elements.
void check_transpose(const Tensor& src, const Tensor& dst, std::int64_t batch, std::int64_t rows, std::int64_t cols);
// batchnorm: x [N, C, ...] and every per-channel tensor [C]; returns x's layout.
BiasLayout check_batchnorm(const char* kernel, const Tensor& x, std::initializer_list<const Tensor*> per_channel);
// softmax_cross_entropy: logits [N, classes], one label in [0, classes) per row.
void check_softmax(const Tensor& logits, const std::vector<std::int32_t>& labels, const Tensor& dlogits);

}  // namespace mpsim::kernels
