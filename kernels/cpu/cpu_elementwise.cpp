// Elementwise pieces and reductions of training on the CPU. Reductions accumulate in double in
// a fixed order per output (rows ascending), so the thread count never changes a result.
#include <omp.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_backend.hpp"

namespace mpsim::kernels {
void CpuBackend::bias_add(Tensor& x, const Tensor& bias) {
  const BiasLayout l = bias_layout("bias_add", x, bias);
  float* data = x.data();
  const float* b = bias.data();
#pragma omp parallel for collapse(2) num_threads(threads_) schedule(static)
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t c = 0; c < l.channels; ++c)
      for (std::int64_t i = 0; i < l.inner; ++i) data[l.index(o, c, i)] += b[c];
  traffic_.read("bias_add", x);
  traffic_.read("bias_add", bias);
  traffic_.write("bias_add", x);
}

void CpuBackend::bias_grad(const Tensor& dy, Tensor& dbias) {
  const BiasLayout l = bias_layout("bias_grad", dy, dbias);
  const float* g = dy.data();
  float* out = dbias.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t c = 0; c < l.channels; ++c) out[c] = static_cast<float>(channel_sum(g, l, c));
  traffic_.read("bias_grad", dy);
  traffic_.write("bias_grad", dbias);
}

void CpuBackend::relu_forward(const Tensor& x, Tensor& y) {
  check_same_numel("relu_forward", x, y);
  const float* in = x.data();
  float* out = y.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < x.numel(); ++i) out[i] = relu(in[i]);
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
  for (std::int64_t i = 0; i < x.numel(); ++i) out[i] = relu_grad(in[i], g[i]);
  traffic_.read("relu_backward", x);
  traffic_.read("relu_backward", dy);
  traffic_.write("relu_backward", dx);
}

double CpuBackend::softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels,
                                         Tensor& dlogits) {
  check_softmax(logits, labels, dlogits);
  const std::int64_t rows = logits.dim(0), classes = logits.dim(1);
  std::vector<double> row_loss(static_cast<std::size_t>(rows));
  const float* z = logits.data();
  float* g = dlogits.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t r = 0; r < rows; ++r)
    row_loss[static_cast<std::size_t>(r)] =
        softmax_cross_entropy_row(z + r * classes, classes, labels[static_cast<std::size_t>(r)], rows, g + r * classes);
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
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t c = 0; c < l.channels; ++c) {
    const ChannelMoments m = channel_moments(in, l, c);
    mean.data()[c] = static_cast<float>(m.mean);
    variance.data()[c] = static_cast<float>(m.variance);
  }
  traffic_.read("batchnorm_stats", x);
  traffic_.write("batchnorm_stats", mean);
  traffic_.write("batchnorm_stats", variance);
}

}  // namespace mpsim::kernels
