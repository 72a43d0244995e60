// The elementwise pieces and reductions of training on the GPU. Each must match its CPU
// counterpart in kernels/cpu/cpu_elementwise.cpp, through the same per-element or per-channel
// function of kernels/element_ops.hpp:
//   bias_add, relu_forward, relu_backward   one thread per element; bit for bit (NaN results
//                                           are "some NaN": GPUs do not keep payloads)
//   bias_grad, batchnorm_stats              double sums in the CPU's two-level order
//                                           (kernels/cuda/channel_rows.cuh: one thread per row
//                                           (o, c), then one per channel over its rows), so
//                                           bit for bit. Not a parallel tree on purpose: that
//                                           would round differently from the CPU.
//   softmax_cross_entropy                   one thread per row (softmax_cross_entropy_row);
//                                           the loss is summed over rows on the host in row
//                                           order, as the CPU. CUDA's exp/log are not glibc's:
//                                           close (a few ulps), not bit for bit.
#include <cuda_runtime.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/channel_rows.cuh"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"
#include "kernels/element_ops.hpp"

namespace mpsim::kernels {
namespace {

using cuda_detail::first_index;
using cuda_detail::grid_stride;
using cuda_detail::kThreads;

__global__ void __launch_bounds__(kThreads) bias_add_kernel(float* x, const float* bias, BiasLayout l) {
  const std::int64_t n = l.outer * l.channels * l.inner;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) x[i] += bias[(i / l.inner) % l.channels];
}

// Moments [mean, then variance] as computed by channel_moments_device, to fp32.
__global__ void __launch_bounds__(kThreads) moments_to_float_kernel(const double* moments, std::int64_t channels,
                                                                   float* mean, float* variance) {
  for (std::int64_t c = first_index(); c < channels; c += grid_stride()) {
    mean[c] = static_cast<float>(moments[c]);
    variance[c] = static_cast<float>(moments[channels + c]);
  }
}

__global__ void __launch_bounds__(kThreads) relu_forward_kernel(const float* x, float* y, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) y[i] = relu(x[i]);
}

__global__ void __launch_bounds__(kThreads) relu_backward_kernel(const float* x, const float* dy, float* dx,
                                                                std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) dx[i] = relu_grad(x[i], dy[i]);
}

__global__ void __launch_bounds__(kThreads) softmax_cross_entropy_kernel(const float* logits, const std::int32_t* labels,
                                                                        float* dlogits, double* row_loss,
                                                                        std::int64_t rows, std::int64_t classes) {
  for (std::int64_t r = first_index(); r < rows; r += grid_stride())
    row_loss[r] = softmax_cross_entropy_row(logits + r * classes, classes, labels[r], rows, dlogits + r * classes);
}

}  // namespace

void CudaBackend::bias_add(Tensor& x, const Tensor& bias) {
  const BiasLayout l = bias_layout("bias_add", x, bias);
  check_device("bias_add", x, Device::cuda);
  check_device("bias_add", bias, Device::cuda);
  if (x.numel() > 0) {
    bias_add_kernel<<<grid(x.numel()), kThreads>>>(x.data(), bias.data(), l);
    MPSIM_CUDA_CHECK_LAUNCH(bias_add_kernel);
  }
  traffic_.read("bias_add", x);
  traffic_.read("bias_add", bias);
  traffic_.write("bias_add", x);
}

void CudaBackend::bias_grad(const Tensor& dy, Tensor& dbias) {
  const BiasLayout l = bias_layout("bias_grad", dy, dbias);
  check_device("bias_grad", dy, Device::cuda);
  check_device("bias_grad", dbias, Device::cuda);
  if (l.channels > 0) {
    const std::int64_t rows = l.outer * l.channels;
    auto* row_sums = layer_work_.as<double>(rows > 0 ? rows : 1);
    if (rows > 0) {
      cuda_detail::row_sums_kernel<<<grid(rows), kThreads>>>(dy.data(), l, row_sums);
      MPSIM_CUDA_CHECK_LAUNCH(row_sums_kernel);
    }
    cuda_detail::combine_rows_kernel<float><<<grid(l.channels), kThreads>>>(row_sums, l.outer, l.channels, 1.0,
                                                                           dbias.data());
    MPSIM_CUDA_CHECK_LAUNCH(combine_rows_kernel);
  }
  traffic_.read("bias_grad", dy);
  traffic_.write("bias_grad", dbias);
}

void CudaBackend::relu_forward(const Tensor& x, Tensor& y) {
  check_same_numel("relu_forward", x, y);
  check_device("relu_forward", x, Device::cuda);
  check_device("relu_forward", y, Device::cuda);
  if (x.numel() > 0) {
    relu_forward_kernel<<<grid(x.numel()), kThreads>>>(x.data(), y.data(), x.numel());
    MPSIM_CUDA_CHECK_LAUNCH(relu_forward_kernel);
  }
  traffic_.read("relu_forward", x);
  traffic_.write("relu_forward", y);
}

void CudaBackend::relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  check_same_numel("relu_backward", x, dy);
  check_same_numel("relu_backward", x, dx);
  check_device("relu_backward", x, Device::cuda);
  check_device("relu_backward", dy, Device::cuda);
  check_device("relu_backward", dx, Device::cuda);
  if (x.numel() > 0) {
    relu_backward_kernel<<<grid(x.numel()), kThreads>>>(x.data(), dy.data(), dx.data(), x.numel());
    MPSIM_CUDA_CHECK_LAUNCH(relu_backward_kernel);
  }
  traffic_.read("relu_backward", x);
  traffic_.read("relu_backward", dy);
  traffic_.write("relu_backward", dx);
}

double CudaBackend::softmax_cross_entropy(const Tensor& logits, const std::vector<std::int32_t>& labels,
                                          Tensor& dlogits) {
  check_softmax(logits, labels, dlogits);
  check_device("softmax_cross_entropy", logits, Device::cuda);
  check_device("softmax_cross_entropy", dlogits, Device::cuda);
  const std::int64_t rows = logits.dim(0), classes = logits.dim(1);
  double loss = 0;
  if (rows > 0) {
    // Labels in, per-row losses out, in one scratch block: [rows] doubles then [rows] int32.
    auto* block = results_.as<unsigned char>(rows * (sizeof(double) + sizeof(std::int32_t)));
    auto* row_loss = reinterpret_cast<double*>(block);
    auto* device_labels = reinterpret_cast<std::int32_t*>(block + rows * sizeof(double));
    MPSIM_CUDA_CHECK(cudaMemcpy(device_labels, labels.data(), labels.size() * sizeof(std::int32_t),
                                cudaMemcpyHostToDevice));
    softmax_cross_entropy_kernel<<<grid(rows), kThreads>>>(logits.data(), device_labels, dlogits.data(), row_loss,
                                                           rows, classes);
    MPSIM_CUDA_CHECK_LAUNCH(softmax_cross_entropy_kernel);
    std::vector<double> host_loss(static_cast<std::size_t>(rows));
    MPSIM_CUDA_CHECK(cudaMemcpy(host_loss.data(), row_loss, host_loss.size() * sizeof(double), cudaMemcpyDeviceToHost));
    for (double l : host_loss) loss += l;  // row order, as the CPU
  }
  traffic_.read("softmax_cross_entropy", logits);
  traffic_.write("softmax_cross_entropy", dlogits);
  return loss / static_cast<double>(rows);
}

void CudaBackend::batchnorm_stats(const Tensor& x, Tensor& mean, Tensor& variance) {
  const BiasLayout l = bias_layout("batchnorm_stats", x, mean);
  check_same_numel("batchnorm_stats", mean, variance);
  check_device("batchnorm_stats", x, Device::cuda);
  check_device("batchnorm_stats", mean, Device::cuda);
  check_device("batchnorm_stats", variance, Device::cuda);
  if (l.channels > 0) {
    const double* moments = channel_moments_device(x.data(), l);
    moments_to_float_kernel<<<grid(l.channels), kThreads>>>(moments, l.channels, mean.data(), variance.data());
    MPSIM_CUDA_CHECK_LAUNCH(moments_to_float_kernel);
  }
  traffic_.read("batchnorm_stats", x);
  traffic_.write("batchnorm_stats", mean);
  traffic_.write("batchnorm_stats", variance);
}

}  // namespace mpsim::kernels
