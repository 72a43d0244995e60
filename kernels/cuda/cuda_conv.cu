// im2col / col2im on the GPU (layouts in kernels/ops.hpp, ConvShape). Must equal
// kernels/cpu/cpu_conv.cpp (CpuBackend::im2col, col2im) bit for bit:
//   im2col  one thread per column entry, copying input[ConvShape::source_index(row, col)] or 0
//           for padding: a copy, so the bits are the input's.
//   col2im  one thread per input element, col2im_gather (kernels/conv_lowering.hpp): the same
//           gather in ascending (kh, kw) as the CPU, never a scatter with atomics, so the float
//           sums add in the same order.
#include <cuda_runtime.h>

#include "kernels/conv_lowering.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"

namespace mpsim::kernels {
namespace {

using cuda_detail::first_index;
using cuda_detail::grid_stride;
using cuda_detail::kThreads;

__global__ void __launch_bounds__(kThreads) im2col_kernel(ConvShape s, const float* input, float* columns) {
  const std::int64_t cols = s.column_cols(), n = s.column_rows() * cols;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const std::int64_t src = s.source_index(i / cols, i % cols);
    columns[i] = src < 0 ? 0.0f : input[src];
  }
}

__global__ void __launch_bounds__(kThreads) col2im_kernel(ConvShape s, const float* columns, float* input_grad,
                                                         std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) input_grad[i] = col2im_gather(s, columns, i);
}

}  // namespace

void CudaBackend::im2col(const ConvShape& s, const Tensor& input, Tensor& columns) {
  check_conv("im2col", s, input, columns);
  check_device("im2col", input, Device::cuda);
  check_device("im2col", columns, Device::cuda);
  if (columns.numel() > 0) {
    im2col_kernel<<<grid(columns.numel()), kThreads>>>(s, input.data(), columns.data());
    MPSIM_CUDA_CHECK_LAUNCH(im2col_kernel);
  }
  columns.set_format(input.format());
  traffic_.read("im2col", input);
  traffic_.write("im2col", columns);
}

void CudaBackend::col2im(const ConvShape& s, const Tensor& columns, Tensor& input_grad) {
  check_conv("col2im", s, input_grad, columns);
  check_device("col2im", columns, Device::cuda);
  check_device("col2im", input_grad, Device::cuda);
  if (input_grad.numel() > 0) {
    col2im_kernel<<<grid(input_grad.numel()), kThreads>>>(s, columns.data(), input_grad.data(), input_grad.numel());
    MPSIM_CUDA_CHECK_LAUNCH(col2im_kernel);
  }
  traffic_.read("col2im", columns);
  traffic_.write("col2im", input_grad);
}

}  // namespace mpsim::kernels
