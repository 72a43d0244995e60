// Per-channel reductions on the GPU in the two-level order of kernels/element_ops.hpp (row sums,
// then each channel's rows over o ascending), which is the CPU's order too, so the results are
// the same bits: one thread per row (o, c) sums its inner elements, then one thread per channel
// adds its rows. Used by bias_grad, batchnorm_stats (cuda_elementwise.cu) and batch norm
// (cuda_layers.cu). Rows are stored rows[c * outer + o].
#pragma once

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"
#include "kernels/element_ops.hpp"
#include "kernels/layer_ops.hpp"

namespace mpsim::kernels::cuda_detail {
// Internal linkage: two .cu files include these kernels, each gets its own copy.
namespace {

__global__ void __launch_bounds__(kThreads) row_sums_kernel(const float* x, BiasLayout l, double* rows) {
  const std::int64_t n = l.outer * l.channels;
  for (std::int64_t r = first_index(); r < n; r += grid_stride()) rows[r] = row_sum(x, l, r % l.outer, r / l.outer);
}

// mean[c]: channel c's mean, from the row sums.
__global__ void __launch_bounds__(kThreads) row_squared_deviations_kernel(const float* x, BiasLayout l,
                                                                         const double* mean, double* rows) {
  const std::int64_t n = l.outer * l.channels;
  for (std::int64_t r = first_index(); r < n; r += grid_stride())
    rows[r] = row_squared_deviation(x, l, r % l.outer, r / l.outer, mean[r / l.outer]);
}

// out[c] = (channel c's rows added over o ascending) / divisor, as T (divisor 1 for a sum, the
// element count for a mean: the CPU's channel_sum(...) / count).
template <typename T>
__global__ void __launch_bounds__(kThreads) combine_rows_kernel(const double* rows, std::int64_t outer,
                                                               std::int64_t channels, double divisor, T* out) {
  for (std::int64_t c = first_index(); c < channels; c += grid_stride())
    out[c] = static_cast<T>(combine_rows(rows, outer, c) / divisor);
}

__global__ void __launch_bounds__(kThreads) row_grad_sums_kernel(const float* dy, const float* xhat, BiasLayout l,
                                                                ChannelGradSums* rows) {
  const std::int64_t n = l.outer * l.channels;
  for (std::int64_t r = first_index(); r < n; r += grid_stride())
    rows[r] = batchnorm_row_grad_sums(dy, xhat, l, r % l.outer, r / l.outer);
}

}  // namespace
}  // namespace mpsim::kernels::cuda_detail
