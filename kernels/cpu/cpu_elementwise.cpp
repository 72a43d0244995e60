// Elementwise pieces and reductions of training on the CPU. Reductions accumulate in double in
// a fixed order per output (rows ascending), so the thread count never changes a result.
#include <omp.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_backend.hpp"

namespace mpsim::kernels {
namespace {

// bias_add's layout: x [M, N] with bias [N] (inner = 1), or x [N, C, ...] with bias [C]
// (inner = product of the dimensions after C). Returns {outer, channels, inner}.
struct BiasLayout {
  std::int64_t outer, channels, inner;
};
BiasLayout bias_layout(const char* kernel, const Tensor& x, const Tensor& bias) {
  if (x.rank() < 2 || bias.numel() != x.dim(1))
    throw KernelError(std::string(kernel) + ": bias " + shape_text(bias.shape()) + " must have one entry per column / channel of " +
                      x.name() + " " + shape_text(x.shape()));
  return {x.dim(0), x.dim(1), x.numel() / (x.dim(0) * x.dim(1))};
}

}  // namespace

void CpuBackend::bias_add(Tensor& x, const Tensor& bias) {
  const BiasLayout l = bias_layout("bias_add", x, bias);
  float* data = x.data();
  const float* b = bias.data();
#pragma omp parallel for collapse(2) num_threads(threads_) schedule(static)
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t c = 0; c < l.channels; ++c)
      for (std::int64_t i = 0; i < l.inner; ++i) data[(o * l.channels + c) * l.inner + i] += b[c];
  traffic_.read("bias_add", x);
  traffic_.read("bias_add", bias);
  traffic_.write("bias_add", x);
}

void CpuBackend::bias_grad(const Tensor& dy, Tensor& dbias) {
  const BiasLayout l = bias_layout("bias_grad", dy, dbias);
  const float* g = dy.data();
  float* out = dbias.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t c = 0; c < l.channels; ++c) {
    double sum = 0;
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) sum += g[(o * l.channels + c) * l.inner + i];
    out[c] = static_cast<float>(sum);
  }
  traffic_.read("bias_grad", dy);
  traffic_.write("bias_grad", dbias);
}

void CpuBackend::relu_forward(const Tensor& x, Tensor& y) {
  check_same_numel("relu_forward", x, y);
  const float* in = x.data();
  float* out = y.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
  traffic_.read("relu_forward", x);
  traffic_.write("relu_forward", y);
}

void CpuBackend::relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  check_same_numel("relu_backward", x, dy);
  check_same_numel("relu_backward", x, dx);
  const float* in = x.data();
  const float* g = dy.data();
  float* out = dx.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] > 0.0f ? g[i] : 0.0f;
  traffic_.read("relu_backward", x);
  traffic_.read("relu_backward", dy);
  traffic_.write("relu_backward", dx);
}

double CpuBackend::softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels,
                                         Tensor& dlogits) {
  check_same_numel("softmax_cross_entropy", logits, dlogits);
  if (logits.rank() != 2 || static_cast<std::int64_t>(labels.size()) != logits.dim(0))
    throw KernelError("softmax_cross_entropy: logits " + shape_text(logits.shape()) + " need one label per row, got " +
                      std::to_string(labels.size()));
  const std::int64_t rows = logits.dim(0), classes = logits.dim(1);
  for (std::int32_t label : labels)
    if (label < 0 || label >= classes) throw KernelError("softmax_cross_entropy: label " + std::to_string(label) + " out of range");
  std::vector<double> row_loss(static_cast<std::size_t>(rows));
  const float* z = logits.data();
  float* g = dlogits.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* zr = z + r * classes;
    double max = zr[0];
    for (std::int64_t c = 1; c < classes; ++c) max = std::max(max, static_cast<double>(zr[c]));
    double sum = 0;
    for (std::int64_t c = 0; c < classes; ++c) sum += std::exp(zr[c] - max);
    const double log_sum = std::log(sum) + max;
    row_loss[static_cast<std::size_t>(r)] = log_sum - zr[labels[static_cast<std::size_t>(r)]];
    for (std::int64_t c = 0; c < classes; ++c) {
      const double p = std::exp(zr[c] - log_sum);
      g[r * classes + c] = static_cast<float>((p - (c == labels[static_cast<std::size_t>(r)] ? 1.0 : 0.0)) / static_cast<double>(rows));
    }
  }
  double loss = 0;
  for (double l : row_loss) loss += l;
  traffic_.read("softmax_cross_entropy", logits);
  traffic_.write("softmax_cross_entropy", dlogits);
  return loss / static_cast<double>(rows);
}

void CpuBackend::batchnorm_stats(const Tensor& x, Tensor& mean, Tensor& variance) {
  const BiasLayout l = bias_layout("batchnorm_stats", x, mean);
  check_same_numel("batchnorm_stats", mean, variance);
  const float* in = x.data();
  const double count = static_cast<double>(l.outer * l.inner);
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t c = 0; c < l.channels; ++c) {
    double sum = 0;
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) sum += in[(o * l.channels + c) * l.inner + i];
    const double mu = sum / count;
    double squares = 0;  // two passes: no cancellation in E[x^2] - E[x]^2
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) {
        const double dev = in[(o * l.channels + c) * l.inner + i] - mu;
        squares += dev * dev;
      }
    mean.data()[c] = static_cast<float>(mu);
    variance.data()[c] = static_cast<float>(squares / count);
  }
  traffic_.read("batchnorm_stats", x);
  traffic_.write("batchnorm_stats", mean);
  traffic_.write("batchnorm_stats", variance);
}

}  // namespace mpsim::kernels
