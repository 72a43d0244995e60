#include "kernels/backend.hpp"

#include "kernels/cpu/cpu_backend.hpp"
#include "model/format_names.hpp"

namespace mpsim::kernels {

#if defined(MPSIM_HAVE_CUDA)
std::unique_ptr<Backend> make_cuda_backend();  // kernels/cuda/cuda_backend.cu
#endif

const char* gemm_path_name(GemmPath p) {
  switch (p) {
    case GemmPath::eigen_fp32: return "eigen_fp32";
    case GemmPath::cublas_fp32: return "cublas_fp32";
    case GemmPath::cublaslt_fp8: return "cublaslt_fp8";
  }
  return "?";
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda") return Device::cuda;
  throw std::invalid_argument("unknown backend '" + name + "'; allowed: cpu, cuda");
}

std::unique_ptr<Backend> make_backend(Device device, int cpu_threads) {
  if (device == Device::cpu) return std::make_unique<CpuBackend>(cpu_threads);
#if defined(MPSIM_HAVE_CUDA)
  return make_cuda_backend();
#else
  throw std::runtime_error("backend cuda: this mpsim was built without CUDA (no nvcc found at configure time)");
#endif
}

Tensor Backend::zeros(std::vector<std::int64_t> shape, const FloatFormat& format, std::string name) {
  Tensor t = empty(std::move(shape), format, std::move(name));
  fill(t, 0.0f);
  return t;
}

Tensor Backend::from_host(std::vector<std::int64_t> shape, const std::vector<float>& values, const FloatFormat& format,
                          std::string name) {
  Tensor t = empty(std::move(shape), format, std::move(name));
  if (static_cast<std::int64_t>(values.size()) != t.numel())
    throw KernelError("from_host: " + t.name() + " " + shape_text(t.shape()) + " needs " + std::to_string(t.numel()) +
                      " values, got " + std::to_string(values.size()));
  copy_from_host(t, values.data());
  return t;
}

std::vector<float> Backend::to_host(const Tensor& t) {
  std::vector<float> values(static_cast<std::size_t>(t.numel()));
  copy_to_host(t, values.data());
  return values;
}

GemmDims check_gemm(const char* kernel, const GemmSpec& spec, const Tensor& a, const Tensor& b, const Tensor& c) {
  const auto fail = [&](const std::string& why) {
    throw KernelError(std::string(kernel) + ": " + why + " (A " + a.name() + " " + shape_text(a.shape()) + ", B " +
                      b.name() + " " + shape_text(b.shape()) + ", C " + c.name() + " " + shape_text(c.shape()) + ")");
  };
  if (a.rank() != b.rank() || a.rank() != c.rank() || a.rank() < 2 || a.rank() > 3)
    fail("A, B and C must all be rank 2, or all rank 3 (batched)");
  const std::int64_t batch = a.rank() == 3 ? a.dim(0) : 1;
  if (a.rank() == 3 && (b.dim(0) != batch || c.dim(0) != batch)) fail("batch sizes differ");
  const std::int64_t m = spec.trans_a ? a.dim(-1) : a.dim(-2), k = spec.trans_a ? a.dim(-2) : a.dim(-1);
  const std::int64_t kb = spec.trans_b ? b.dim(-1) : b.dim(-2), n = spec.trans_b ? b.dim(-2) : b.dim(-1);
  if (k != kb) fail("inner dimensions differ: " + std::to_string(k) + " vs " + std::to_string(kb));
  if (c.dim(-2) != m || c.dim(-1) != n) fail("C must be " + std::to_string(m) + " x " + std::to_string(n));
  return {batch, m, n, k};
}

void check_same_numel(const char* kernel, const Tensor& x, const Tensor& y) {
  if (x.numel() != y.numel())
    throw KernelError(std::string(kernel) + ": " + x.name() + " " + shape_text(x.shape()) + " and " + y.name() + " " +
                      shape_text(y.shape()) + " differ in size");
}

void check_same_numels(const char* kernel, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = *tensors.begin();
  for (const Tensor* t : tensors)
    if (t) check_same_numel(kernel, *first, *t);
}

void check_device(const char* kernel, const Tensor& t, Device d) {
  if (t.device() != d)
    throw KernelError(std::string(kernel) + ": tensor " + t.name() + " lives on " + device_name(t.device()) +
                      ", not on " + device_name(d));
}

void check_devices(const char* kernel, std::initializer_list<const Tensor*> tensors, Device d) {
  for (const Tensor* t : tensors)
    if (t) check_device(kernel, *t, d);
}

QuantizeCounts Backend::quantize_with_amax(const Tensor& in, Tensor& out, const QuantizeSpec& spec, float& amax) {
  amax = this->amax(in);  // before quantize, which may overwrite in
  return quantize(in, out, spec);
}

void check_quantize_format(const QuantizeSpec& spec) {
  if (!is_supported(spec.format) || !has_fp32_fast_path(spec.format))
    throw KernelError("quantize: format's values are not all fp32 numbers; tensors hold fp32 values");
}

void check_gemm_exact_formats(const MacFormats& formats) {
  for (const FloatFormat* f : {&formats.a, &formats.b, &formats.acc})
    if (!has_fp32_fast_path(*f)) throw KernelError("gemm_exact: format " + format_name(*f) + " has values beyond fp32");
}

void throw_not_format_value(const char* which, const Tensor& t, float v, const FloatFormat& format) {
  throw KernelError(std::string("gemm_exact: ") + which + " (" + t.name() + ") holds " + std::to_string(v) +
                    ", which is not a " + format_name(format) + " value");
}

void check_conv(const char* kernel, const ConvShape& s, const Tensor& input, const Tensor& columns) {
  if (s.out_height() <= 0 || s.out_width() <= 0 || s.stride_h <= 0 || s.stride_w <= 0 || s.dilation_h <= 0 ||
      s.dilation_w <= 0)
    throw KernelError(std::string(kernel) + ": kernel, stride, padding and dilation give no output positions");
  if (input.numel() != s.batch * s.channels * s.height * s.width || columns.numel() != s.column_rows() * s.column_cols())
    throw KernelError(std::string(kernel) + ": " + input.name() + " " + shape_text(input.shape()) + " / " +
                      columns.name() + " " + shape_text(columns.shape()) + " do not match the convolution shape");
}

namespace {
// x [outer, channels, inner...] of rank 2 or more as (outer, channels, inner).
BiasLayout channel_layout(const Tensor& x) {
  const std::int64_t rows_by_channels = x.dim(0) * x.dim(1);
  return {x.dim(0), x.dim(1), rows_by_channels == 0 ? 0 : x.numel() / rows_by_channels};
}
}  // namespace

BiasLayout bias_layout(const char* kernel, const Tensor& x, const Tensor& bias) {
  if (x.rank() < 2 || bias.numel() != x.dim(1))
    throw KernelError(std::string(kernel) + ": bias " + shape_text(bias.shape()) +
                      " must have one entry per column / channel of " + x.name() + " " + shape_text(x.shape()));
  return channel_layout(x);
}

void check_softmax(const Tensor& logits, const std::vector<std::int32_t>& labels, const Tensor& dlogits) {
  check_same_numel("softmax_cross_entropy", logits, dlogits);
  if (logits.rank() != 2 || static_cast<std::int64_t>(labels.size()) != logits.dim(0))
    throw KernelError("softmax_cross_entropy: logits " + shape_text(logits.shape()) + " need one label per row, got " +
                      std::to_string(labels.size()));
  for (std::int32_t label : labels)
    if (label < 0 || label >= logits.dim(1))
      throw KernelError("softmax_cross_entropy: label " + std::to_string(label) + " out of range");
}

void check_pool(const char* kernel, const PoolSpec& spec, const Tensor& x, const Tensor& y) {
  const auto fail = [&](const std::string& why) {
    throw KernelError(std::string(kernel) + ": " + why + " (x " + x.name() + " " + shape_text(x.shape()) + ", y " +
                      y.name() + " " + shape_text(y.shape()) + ", kernel " + std::to_string(spec.kernel) +
                      ", stride " + std::to_string(spec.stride) + ")");
  };
  if (spec.kernel < 1 || spec.stride < 1) fail("kernel and stride must be at least 1");
  if (x.rank() != 4 || y.rank() != 4) fail("x and y must be [N, C, H, W]");
  if (x.dim(2) < spec.kernel || x.dim(3) < spec.kernel) fail("the window is larger than the input");
  const std::int64_t oh = (x.dim(2) - spec.kernel) / spec.stride + 1, ow = (x.dim(3) - spec.kernel) / spec.stride + 1;
  if (y.dim(0) != x.dim(0) || y.dim(1) != x.dim(1) || y.dim(2) != oh || y.dim(3) != ow)
    fail("y must be " + shape_text({x.dim(0), x.dim(1), oh, ow}));
}

void check_avgpool(const char* kernel, const Tensor& x, const Tensor& y) {
  if (x.rank() != 4 || y.rank() != 2 || y.dim(0) != x.dim(0) || y.dim(1) != x.dim(1))
    throw KernelError(std::string(kernel) + ": x " + x.name() + " " + shape_text(x.shape()) +
                      " must be [N, C, H, W] and y " + y.name() + " " + shape_text(y.shape()) + " [N, C]");
}

void check_transpose(const Tensor& src, const Tensor& dst, std::int64_t batch, std::int64_t rows, std::int64_t cols) {
  check_same_numel("transpose", src, dst);
  if (batch < 0 || rows < 0 || cols < 0 || src.numel() != batch * rows * cols)
    throw KernelError("transpose: " + src.name() + " " + shape_text(src.shape()) + " does not hold " +
                      std::to_string(batch) + " x " + std::to_string(rows) + " x " + std::to_string(cols) + " values");
}

BiasLayout check_batchnorm(const char* kernel, const Tensor& x, std::initializer_list<const Tensor*> per_channel) {
  if (x.rank() < 2)
    throw KernelError(std::string(kernel) + ": x " + x.name() + " " + shape_text(x.shape()) + " must be [N, C, ...]");
  for (const Tensor* t : per_channel)
    if (t->numel() != x.dim(1))
      throw KernelError(std::string(kernel) + ": " + t->name() + " " + shape_text(t->shape()) +
                        " must have one entry per channel of " + x.name() + " " + shape_text(x.shape()));
  return channel_layout(x);
}

}  // namespace mpsim::kernels
