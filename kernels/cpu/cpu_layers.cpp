// Training's layers without GEMMs on the CPU: batch norm, pooling, the residual add, the
// rows <-> NCHW transpose and the counts the loss scaler and optimizer need. Loops run over
// independent outputs (OpenMP); every reduction sums in one fixed order in double
// (kernels/layer_ops.hpp), so results do not depend on the thread count.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/cpu/cpu_backend.hpp"

namespace mpsim::kernels {

void CpuBackend::add(const Tensor& a, const Tensor& b, Tensor& y) {
  check_same_numels("add", {&a, &b, &y});
  const float *pa = a.data(), *pb = b.data();
  float* out = y.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < y.numel(); ++i) out[i] = pa[i] + pb[i];
  traffic_.record("add", {&a, &b}, {&y});
}

void CpuBackend::scale(const Tensor& x, float s, Tensor& y) {
  check_same_numel("scale", x, y);
  const float* in = x.data();
  float* out = y.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < y.numel(); ++i) out[i] = in[i] * s;
  traffic_.record("scale", {&x}, {&y});
}

void CpuBackend::transpose(const Tensor& src, Tensor& dst, std::int64_t batch, std::int64_t rows, std::int64_t cols) {
  check_transpose(src, dst, batch, rows, cols);
  const float* in = src.data();
  float* out = dst.data();
  // Written in dst's order (one contiguous run per (b, c)), reading src with a stride.
#pragma omp parallel for collapse(2) num_threads(threads_) schedule(static)
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t c = 0; c < cols; ++c)
      for (std::int64_t r = 0; r < rows; ++r) out[(b * cols + c) * rows + r] = in[(b * rows + r) * cols + c];
  traffic_.record("transpose", {&src}, {&dst});
}

std::int64_t CpuBackend::count_non_finite(const Tensor& t) {
  const float* x = t.data();
  std::int64_t count = 0;
#pragma omp parallel for reduction(+ : count) num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < t.numel(); ++i) count += std::isfinite(x[i]) ? 0 : 1;
  traffic_.read("count_non_finite", t);
  return count;
}

std::int64_t CpuBackend::count_different(const Tensor& a, const Tensor& b) {
  check_same_numel("count_different", a, b);
  const float *pa = a.data(), *pb = b.data();
  std::int64_t count = 0;
#pragma omp parallel for reduction(+ : count) num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < a.numel(); ++i) count += pa[i] != pb[i] ? 1 : 0;
  traffic_.record("count_different", {&a, &b}, {});
  return count;
}

void CpuBackend::batchnorm_forward(const BatchNormSpec& spec, const Tensor& x, const Tensor& gamma,
                                   const Tensor& beta, Tensor& running_mean, Tensor& running_var, Tensor& mean,
                                   Tensor& inv_std, Tensor* xhat, Tensor& y) {
  const BiasLayout l =
      check_batchnorm("batchnorm_forward", x, {&gamma, &beta, &running_mean, &running_var, &mean, &inv_std});
  check_same_numels("batchnorm_forward", {&x, &y, xhat});
  const float* in = x.data();
  float *mu = mean.data(), *is = inv_std.data();
  float *rm = running_mean.data(), *rv = running_var.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t c = 0; c < l.channels; ++c) {
    const ChannelNorm n = spec.train ? batchnorm_train_channel(spec, channel_moments(in, l, c),
                                                               static_cast<double>(l.count_per_channel()), rm[c], rv[c])
                                     : batchnorm_eval_channel(spec, rm[c], rv[c]);
    mu[c] = n.mean;
    is[c] = n.inv_std;
  }
  const float *g = gamma.data(), *bt = beta.data();
  float* h_out = xhat ? xhat->data() : nullptr;
  float* out = y.data();
#pragma omp parallel for collapse(2) num_threads(threads_) schedule(static)
  for (std::int64_t o = 0; o < l.outer; ++o)
    for (std::int64_t c = 0; c < l.channels; ++c)
      for (std::int64_t i = 0; i < l.inner; ++i) {
        const std::int64_t j = l.index(o, c, i);
        const float h = batchnorm_normalize(in[j], mu[c], is[c]);
        if (h_out) h_out[j] = h;
        out[j] = batchnorm_affine(h, g[c], bt[c]);
      }
  traffic_.record("batchnorm_forward", {&x}, {&y, xhat});
}

void CpuBackend::batchnorm_backward(const Tensor& dy, const Tensor& xhat, const Tensor& gamma, const Tensor& inv_std,
                                    Tensor& dgamma, Tensor& dbeta, Tensor* dx) {
  const BiasLayout l = check_batchnorm("batchnorm_backward", dy, {&gamma, &inv_std, &dgamma, &dbeta});
  check_same_numels("batchnorm_backward", {&dy, &xhat, dx});
  const float *g = dy.data(), *h = xhat.data(), *gm = gamma.data(), *is = inv_std.data();
  float *dg = dgamma.data(), *db = dbeta.data();
  float* out = dx ? dx->data() : nullptr;
  const double count = static_cast<double>(l.count_per_channel());
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t c = 0; c < l.channels; ++c) {
    const ChannelGradSums s = batchnorm_grad_sums(g, h, l, c);
    dg[c] = static_cast<float>(s.dy_xhat);
    db[c] = static_cast<float>(s.dy);
    if (out == nullptr) continue;
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) {
        const std::int64_t j = l.index(o, c, i);
        out[j] = batchnorm_input_grad(gm[c], is[c], count, s, g[j], h[j]);
      }
  }
  traffic_.record("batchnorm_backward", {&dy, &xhat}, {dx});
}

namespace {
// Runs pool(kernel) with the kernel as a compile-time constant for LeNet's and VGG's 2x2 window, so
// the compiler unrolls window_argmax and window_source's division (the general loop's branches cost
// 5% of a LeNet-5 step).
template <typename Pool>
void with_kernel(std::int64_t kernel, const Pool& pool) {
  if (kernel == 2) pool(std::integral_constant<std::int64_t, 2>{});
  else pool(kernel);
}
}  // namespace

void CpuBackend::maxpool_forward(const PoolSpec& spec, const Tensor& x, Tensor& y, Tensor& argmax) {
  check_pool("maxpool_forward", spec, x, y);
  check_same_numel("maxpool_forward", y, argmax);
  const std::int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3), oh = y.dim(2), ow = y.dim(3);
  const float* in = x.data();
  float *out = y.data(), *where = argmax.data();
  with_kernel(spec.kernel, [&](auto kernel) {
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* plane = in + pl * h * w;
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          const std::int64_t o = (pl * oh + i) * ow + j, row0 = i * spec.stride, col0 = j * spec.stride;
          const std::int64_t offset = window_argmax(plane, w, row0, col0, kernel);
          out[o] = plane[window_source(offset, w, row0, col0, kernel)];
          where[o] = static_cast<float>(offset);
        }
    }
  });
  traffic_.record("maxpool_forward", {&x}, {&y, &argmax});
}

void CpuBackend::maxpool_backward(const PoolSpec& spec, const Tensor& argmax, const Tensor& dy, Tensor& dx) {
  check_pool("maxpool_backward", spec, dx, dy);
  check_same_numel("maxpool_backward", dy, argmax);
  const std::int64_t planes = dx.dim(0) * dx.dim(1), h = dx.dim(2), w = dx.dim(3), oh = dy.dim(2), ow = dy.dim(3);
  const float *where = argmax.data(), *g = dy.data();
  float* out = dx.data();
  // Per plane: zero, then add each output's gradient at its argmax in ascending output order
  // (overlapping windows sum in that order; CUDA gathers in the same order).
  with_kernel(spec.kernel, [&](auto kernel) {
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      float* grad = out + pl * h * w;
      std::fill(grad, grad + h * w, 0.0f);
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          const std::int64_t o = (pl * oh + i) * ow + j;
          grad[window_source(static_cast<std::int64_t>(where[o]), w, i * spec.stride, j * spec.stride, kernel)] += g[o];
        }
    }
  });
  traffic_.record("maxpool_backward", {&argmax, &dy}, {&dx});
}

void CpuBackend::avgpool_forward(const Tensor& x, Tensor& y) {
  check_avgpool("avgpool_forward", x, y);
  const std::int64_t planes = y.numel(), hw = x.dim(2) * x.dim(3);
  const float* in = x.data();
  float* out = y.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t pl = 0; pl < planes; ++pl) out[pl] = plane_mean(in + pl * hw, hw);
  traffic_.record("avgpool_forward", {&x}, {&y});
}

void CpuBackend::avgpool_backward(const Tensor& dy, Tensor& dx) {
  check_avgpool("avgpool_backward", dx, dy);
  const std::int64_t planes = dy.numel(), hw = dx.dim(2) * dx.dim(3);
  const float* g = dy.data();
  float* out = dx.data();
  const float inv = 1.0f / static_cast<float>(hw);
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t pl = 0; pl < planes; ++pl)
    for (std::int64_t i = 0; i < hw; ++i) out[pl * hw + i] = g[pl] * inv;
  traffic_.record("avgpool_backward", {&dy}, {&dx});
}

}  // namespace mpsim::kernels
