// Training's layers without GEMMs on the GPU. Each must equal its CPU counterpart in
// kernels/cpu/cpu_layers.cpp bit for bit, through the same function of kernels/layer_ops.hpp:
//   add, scale, transpose          one thread per output element
//   count_non_finite/_different    integer counts (add_count): order-free, so exact
//   batchnorm_forward              the channel moments in the CPU's two-level order (one thread
//                                  per row (o, c), then one per channel: channel_rows.cuh), then
//                                  one thread per channel for the statistics and one per element
//                                  for xhat and y
//   batchnorm_backward             the two sums the same way (kept in double in scratch
//                                  memory), then one thread per element for dx
//   maxpool_forward                one thread per output (window_argmax), which also saves the
//                                  argmax's window offset
//   maxpool_backward               one thread per input element, gathering the gradients of the
//                                  windows whose saved argmax it is, in ascending output order:
//                                  the order the CPU's scatter adds them in
//   avgpool_forward / _backward    one thread per plane (plane_mean) / per element
// The sums are not parallel trees on purpose: a tree would round differently from the CPU.
#include <cuda_runtime.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/channel_rows.cuh"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"
#include "kernels/layer_ops.hpp"

namespace mpsim::kernels {
namespace {

using cuda_detail::add_count;
using cuda_detail::combine_rows_kernel;
using cuda_detail::first_index;
using cuda_detail::grid_stride;
using cuda_detail::kThreads;
using cuda_detail::row_grad_sums_kernel;
using cuda_detail::row_squared_deviations_kernel;
using cuda_detail::row_sums_kernel;

__global__ void __launch_bounds__(kThreads) add_kernel(const float* a, const float* b, float* y, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) y[i] = a[i] + b[i];
}

__global__ void __launch_bounds__(kThreads) scale_kernel(const float* x, float s, float* y, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) y[i] = x[i] * s;
}

// dst [batch, cols, rows] from src [batch, rows, cols], one thread per dst element.
__global__ void __launch_bounds__(kThreads) transpose_kernel(const float* src, float* dst, std::int64_t batch,
                                                            std::int64_t rows, std::int64_t cols) {
  const std::int64_t n = batch * rows * cols;
  for (std::int64_t d = first_index(); d < n; d += grid_stride()) {
    const std::int64_t r = d % rows, c = (d / rows) % cols, b = d / (rows * cols);
    dst[d] = src[(b * rows + r) * cols + c];
  }
}

__global__ void __launch_bounds__(kThreads) count_non_finite_kernel(const float* x, std::int64_t n,
                                                                   unsigned long long* count) {
  long long local = 0;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) local += isfinite(x[i]) ? 0 : 1;
  add_count(local, count);
}

__global__ void __launch_bounds__(kThreads) count_different_kernel(const float* a, const float* b, std::int64_t n,
                                                                  unsigned long long* count) {
  long long local = 0;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) local += a[i] != b[i] ? 1 : 0;
  add_count(local, count);
}

// moments: channel_moments_device's [means, variances]; null in eval mode.
__global__ void __launch_bounds__(kThreads) batchnorm_channel_kernel(BatchNormSpec spec, const double* moments,
                                                                    BiasLayout l, float* running_mean,
                                                                    float* running_var, float* mean, float* inv_std) {
  const double count = static_cast<double>(l.count_per_channel());
  for (std::int64_t c = first_index(); c < l.channels; c += grid_stride()) {
    const ChannelNorm n =
        spec.train ? batchnorm_train_channel(spec, {moments[c], moments[l.channels + c]}, count, running_mean[c],
                                             running_var[c])
                   : batchnorm_eval_channel(spec, running_mean[c], running_var[c]);
    mean[c] = n.mean;
    inv_std[c] = n.inv_std;
  }
}

__global__ void __launch_bounds__(kThreads) batchnorm_apply_kernel(const float* x, BiasLayout l, const float* mean,
                                                                  const float* inv_std, const float* gamma,
                                                                  const float* beta, float* xhat, float* y) {
  const std::int64_t n = l.outer * l.channels * l.inner;
  for (std::int64_t j = first_index(); j < n; j += grid_stride()) {
    const std::int64_t c = (j / l.inner) % l.channels;
    const float h = batchnorm_normalize(x[j], mean[c], inv_std[c]);
    if (xhat) xhat[j] = h;
    y[j] = batchnorm_affine(h, gamma[c], beta[c]);
  }
}

// sums[c] = channel c's rows (rows[c * outer + o]) combined; dgamma and dbeta from them.
__global__ void __launch_bounds__(kThreads) batchnorm_sums_kernel(const ChannelGradSums* rows, BiasLayout l,
                                                                 ChannelGradSums* sums, float* dgamma, float* dbeta) {
  for (std::int64_t c = first_index(); c < l.channels; c += grid_stride()) {
    const ChannelGradSums s = batchnorm_combine_grad_rows(rows, l.outer, c);
    sums[c] = s;
    dgamma[c] = static_cast<float>(s.dy_xhat);
    dbeta[c] = static_cast<float>(s.dy);
  }
}

__global__ void __launch_bounds__(kThreads) batchnorm_input_grad_kernel(const float* dy, const float* xhat,
                                                                       BiasLayout l, const ChannelGradSums* sums,
                                                                       const float* gamma, const float* inv_std,
                                                                       float* dx) {
  const std::int64_t n = l.outer * l.channels * l.inner;
  const double count = static_cast<double>(l.count_per_channel());
  for (std::int64_t j = first_index(); j < n; j += grid_stride()) {
    const std::int64_t c = (j / l.inner) % l.channels;
    dx[j] = batchnorm_input_grad(gamma[c], inv_std[c], count, sums[c], dy[j], xhat[j]);
  }
}

// Planes of h x w inputs and oh x ow outputs.
struct PoolGeometry {
  std::int64_t planes, h, w, oh, ow;
};

__global__ void __launch_bounds__(kThreads) maxpool_forward_kernel(const float* x, float* y, float* argmax,
                                                                  PoolGeometry g, PoolSpec spec) {
  const std::int64_t n = g.planes * g.oh * g.ow;
  for (std::int64_t d = first_index(); d < n; d += grid_stride()) {
    const std::int64_t j = d % g.ow, i = (d / g.ow) % g.oh, pl = d / (g.ow * g.oh);
    const float* plane = x + pl * g.h * g.w;
    const std::int64_t row0 = i * spec.stride, col0 = j * spec.stride;
    const std::int64_t offset = window_argmax(plane, g.w, row0, col0, spec.kernel);
    y[d] = plane[window_source(offset, g.w, row0, col0, spec.kernel)];
    argmax[d] = static_cast<float>(offset);
  }
}

__global__ void __launch_bounds__(kThreads) maxpool_backward_kernel(const float* argmax, const float* dy, float* dx,
                                                                   PoolGeometry g, PoolSpec spec) {
  const std::int64_t n = g.planes * g.h * g.w;
  for (std::int64_t e = first_index(); e < n; e += grid_stride()) {
    const std::int64_t col = e % g.w, row = (e / g.w) % g.h, pl = e / (g.w * g.h);
    const float* where = argmax + pl * g.oh * g.ow;
    const float* grad = dy + pl * g.oh * g.ow;
    float sum = 0.0f;
    for (std::int64_t i = first_window(row, spec); i <= last_window(row, g.oh, spec); ++i)
      for (std::int64_t j = first_window(col, spec); j <= last_window(col, g.ow, spec); ++j) {
        const auto offset = static_cast<std::int64_t>(where[i * g.ow + j]);
        if (window_source(offset, g.w, i * spec.stride, j * spec.stride, spec.kernel) == row * g.w + col)
          sum += grad[i * g.ow + j];
      }
    dx[e] = sum;
  }
}

__global__ void __launch_bounds__(kThreads) avgpool_forward_kernel(const float* x, float* y, std::int64_t planes,
                                                                  std::int64_t hw) {
  for (std::int64_t pl = first_index(); pl < planes; pl += grid_stride()) y[pl] = plane_mean(x + pl * hw, hw);
}

__global__ void __launch_bounds__(kThreads) avgpool_backward_kernel(const float* dy, float* dx, std::int64_t planes,
                                                                   std::int64_t hw, float inv) {
  const std::int64_t n = planes * hw;
  for (std::int64_t e = first_index(); e < n; e += grid_stride()) dx[e] = dy[e / hw] * inv;
}

}  // namespace

std::int64_t CudaBackend::read_count(unsigned long long* count) {
  unsigned long long host = 0;
  MPSIM_CUDA_CHECK(cudaMemcpy(&host, count, sizeof host, cudaMemcpyDeviceToHost));
  return static_cast<std::int64_t>(host);
}

unsigned long long* CudaBackend::zeroed_count() {
  auto* count = results_.as<unsigned long long>(1);
  MPSIM_CUDA_CHECK(cudaMemset(count, 0, sizeof(unsigned long long)));
  return count;
}

const double* CudaBackend::channel_moments_device(const float* x, const BiasLayout& l) {
  const std::int64_t rows = l.outer * l.channels;
  double* row_sums = layer_work_.as<double>(rows + 2 * l.channels);
  double* moments = row_sums + rows;  // means, then variances
  const double count = static_cast<double>(l.count_per_channel());
  if (rows > 0) {
    row_sums_kernel<<<grid(rows), kThreads>>>(x, l, row_sums);
    MPSIM_CUDA_CHECK_LAUNCH(row_sums_kernel);
  }
  combine_rows_kernel<double><<<grid(l.channels), kThreads>>>(row_sums, l.outer, l.channels, count, moments);
  MPSIM_CUDA_CHECK_LAUNCH(combine_rows_kernel);
  if (rows > 0) {
    row_squared_deviations_kernel<<<grid(rows), kThreads>>>(x, l, moments, row_sums);
    MPSIM_CUDA_CHECK_LAUNCH(row_squared_deviations_kernel);
  }
  combine_rows_kernel<double><<<grid(l.channels), kThreads>>>(row_sums, l.outer, l.channels, count,
                                                              moments + l.channels);
  MPSIM_CUDA_CHECK_LAUNCH(combine_rows_kernel);
  return moments;
}

void CudaBackend::add(const Tensor& a, const Tensor& b, Tensor& y) {
  check_same_numels("add", {&a, &b, &y});
  check_devices("add", {&a, &b, &y}, Device::cuda);
  if (y.numel() > 0) {
    add_kernel<<<grid(y.numel()), kThreads>>>(a.data(), b.data(), y.data(), y.numel());
    MPSIM_CUDA_CHECK_LAUNCH(add_kernel);
  }
  traffic_.record("add", {&a, &b}, {&y});
}

void CudaBackend::scale(const Tensor& x, float s, Tensor& y) {
  check_same_numel("scale", x, y);
  check_devices("scale", {&x, &y}, Device::cuda);
  if (y.numel() > 0) {
    scale_kernel<<<grid(y.numel()), kThreads>>>(x.data(), s, y.data(), y.numel());
    MPSIM_CUDA_CHECK_LAUNCH(scale_kernel);
  }
  traffic_.record("scale", {&x}, {&y});
}

void CudaBackend::transpose(const Tensor& src, Tensor& dst, std::int64_t batch, std::int64_t rows,
                            std::int64_t cols) {
  check_transpose(src, dst, batch, rows, cols);
  check_devices("transpose", {&src, &dst}, Device::cuda);
  if (dst.numel() > 0) {
    transpose_kernel<<<grid(dst.numel()), kThreads>>>(src.data(), dst.data(), batch, rows, cols);
    MPSIM_CUDA_CHECK_LAUNCH(transpose_kernel);
  }
  traffic_.record("transpose", {&src}, {&dst});
}

std::int64_t CudaBackend::count_non_finite(const Tensor& t) {
  check_devices("count_non_finite", {&t}, Device::cuda);
  traffic_.read("count_non_finite", t);
  if (t.numel() == 0) return 0;
  unsigned long long* count = zeroed_count();
  count_non_finite_kernel<<<grid(t.numel()), kThreads>>>(t.data(), t.numel(), count);
  MPSIM_CUDA_CHECK_LAUNCH(count_non_finite_kernel);
  return read_count(count);
}

std::int64_t CudaBackend::count_different(const Tensor& a, const Tensor& b) {
  check_same_numel("count_different", a, b);
  check_devices("count_different", {&a, &b}, Device::cuda);
  traffic_.record("count_different", {&a, &b}, {});
  if (a.numel() == 0) return 0;
  unsigned long long* count = zeroed_count();
  count_different_kernel<<<grid(a.numel()), kThreads>>>(a.data(), b.data(), a.numel(), count);
  MPSIM_CUDA_CHECK_LAUNCH(count_different_kernel);
  return read_count(count);
}

void CudaBackend::batchnorm_forward(const BatchNormSpec& spec, const Tensor& x, const Tensor& gamma,
                                    const Tensor& beta, Tensor& running_mean, Tensor& running_var, Tensor& mean,
                                    Tensor& inv_std, Tensor* xhat, Tensor& y) {
  const BiasLayout l =
      check_batchnorm("batchnorm_forward", x, {&gamma, &beta, &running_mean, &running_var, &mean, &inv_std});
  check_same_numels("batchnorm_forward", {&x, &y, xhat});
  check_devices("batchnorm_forward", {&x, &gamma, &beta, &running_mean, &running_var, &mean, &inv_std, xhat, &y},
                Device::cuda);
  if (l.channels > 0) {
    const double* moments = spec.train ? channel_moments_device(x.data(), l) : nullptr;
    batchnorm_channel_kernel<<<grid(l.channels), kThreads>>>(spec, moments, l, running_mean.data(), running_var.data(),
                                                             mean.data(), inv_std.data());
    MPSIM_CUDA_CHECK_LAUNCH(batchnorm_channel_kernel);
  }
  if (x.numel() > 0) {
    batchnorm_apply_kernel<<<grid(x.numel()), kThreads>>>(x.data(), l, mean.data(), inv_std.data(), gamma.data(),
                                                          beta.data(), xhat ? xhat->data() : nullptr, y.data());
    MPSIM_CUDA_CHECK_LAUNCH(batchnorm_apply_kernel);
  }
  traffic_.record("batchnorm_forward", {&x}, {&y, xhat});
}

void CudaBackend::batchnorm_backward(const Tensor& dy, const Tensor& xhat, const Tensor& gamma, const Tensor& inv_std,
                                     Tensor& dgamma, Tensor& dbeta, Tensor* dx) {
  const BiasLayout l = check_batchnorm("batchnorm_backward", dy, {&gamma, &inv_std, &dgamma, &dbeta});
  check_same_numels("batchnorm_backward", {&dy, &xhat, dx});
  check_devices("batchnorm_backward", {&dy, &xhat, &gamma, &inv_std, &dgamma, &dbeta, dx}, Device::cuda);
  const std::int64_t rows = l.outer * l.channels;
  auto* row_sums = layer_work_.as<ChannelGradSums>(rows + l.channels + 1);
  ChannelGradSums* sums = row_sums + rows;
  if (rows > 0) {
    row_grad_sums_kernel<<<grid(rows), kThreads>>>(dy.data(), xhat.data(), l, row_sums);
    MPSIM_CUDA_CHECK_LAUNCH(row_grad_sums_kernel);
  }
  if (l.channels > 0) {
    batchnorm_sums_kernel<<<grid(l.channels), kThreads>>>(row_sums, l, sums, dgamma.data(), dbeta.data());
    MPSIM_CUDA_CHECK_LAUNCH(batchnorm_sums_kernel);
  }
  if (dx && dx->numel() > 0) {
    batchnorm_input_grad_kernel<<<grid(dx->numel()), kThreads>>>(dy.data(), xhat.data(), l, sums, gamma.data(),
                                                                 inv_std.data(), dx->data());
    MPSIM_CUDA_CHECK_LAUNCH(batchnorm_input_grad_kernel);
  }
  traffic_.record("batchnorm_backward", {&dy, &xhat}, {dx});
}

void CudaBackend::maxpool_forward(const PoolSpec& spec, const Tensor& x, Tensor& y, Tensor& argmax) {
  check_pool("maxpool_forward", spec, x, y);
  check_same_numel("maxpool_forward", y, argmax);
  check_devices("maxpool_forward", {&x, &y, &argmax}, Device::cuda);
  const PoolGeometry g{x.dim(0) * x.dim(1), x.dim(2), x.dim(3), y.dim(2), y.dim(3)};
  if (y.numel() > 0) {
    maxpool_forward_kernel<<<grid(y.numel()), kThreads>>>(x.data(), y.data(), argmax.data(), g, spec);
    MPSIM_CUDA_CHECK_LAUNCH(maxpool_forward_kernel);
  }
  traffic_.record("maxpool_forward", {&x}, {&y, &argmax});
}

void CudaBackend::maxpool_backward(const PoolSpec& spec, const Tensor& argmax, const Tensor& dy, Tensor& dx) {
  check_pool("maxpool_backward", spec, dx, dy);
  check_same_numel("maxpool_backward", dy, argmax);
  check_devices("maxpool_backward", {&argmax, &dy, &dx}, Device::cuda);
  const PoolGeometry g{dx.dim(0) * dx.dim(1), dx.dim(2), dx.dim(3), dy.dim(2), dy.dim(3)};
  if (dx.numel() > 0) {
    maxpool_backward_kernel<<<grid(dx.numel()), kThreads>>>(argmax.data(), dy.data(), dx.data(), g, spec);
    MPSIM_CUDA_CHECK_LAUNCH(maxpool_backward_kernel);
  }
  traffic_.record("maxpool_backward", {&argmax, &dy}, {&dx});
}

void CudaBackend::avgpool_forward(const Tensor& x, Tensor& y) {
  check_avgpool("avgpool_forward", x, y);
  check_devices("avgpool_forward", {&x, &y}, Device::cuda);
  if (y.numel() > 0) {
    avgpool_forward_kernel<<<grid(y.numel()), kThreads>>>(x.data(), y.data(), y.numel(), x.dim(2) * x.dim(3));
    MPSIM_CUDA_CHECK_LAUNCH(avgpool_forward_kernel);
  }
  traffic_.record("avgpool_forward", {&x}, {&y});
}

void CudaBackend::avgpool_backward(const Tensor& dy, Tensor& dx) {
  check_avgpool("avgpool_backward", dx, dy);
  check_devices("avgpool_backward", {&dy, &dx}, Device::cuda);
  const std::int64_t hw = dx.dim(2) * dx.dim(3);
  if (dx.numel() > 0) {
    avgpool_backward_kernel<<<grid(dx.numel()), kThreads>>>(dy.data(), dx.data(), dy.numel(), hw,
                                                            1.0f / static_cast<float>(hw));
    MPSIM_CUDA_CHECK_LAUNCH(avgpool_backward_kernel);
  }
  traffic_.record("avgpool_backward", {&dy}, {&dx});
}

}  // namespace mpsim::kernels
