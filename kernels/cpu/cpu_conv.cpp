// im2col / col2im on the CPU (layouts in kernels/ops.hpp, ConvShape).
#include <omp.h>

#include "kernels/conv_lowering.hpp"
#include "kernels/cpu/cpu_backend.hpp"

namespace mpsim::kernels {
void CpuBackend::im2col(const ConvShape& s, const Tensor& input, Tensor& columns) {
  check_conv("im2col", s, input, columns);
  const std::int64_t rows = s.column_rows(), cols = s.column_cols();
  const float* x = input.data();
  float* out = columns.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t row = 0; row < rows; ++row) {
    for (std::int64_t col = 0; col < cols; ++col) {
      const std::int64_t src = s.source_index(row, col);
      out[row * cols + col] = src < 0 ? 0.0f : x[src];
    }
  }
  columns.set_format(input.format());
  traffic_.read("im2col", input);
  traffic_.write("im2col", columns);
}

void CpuBackend::col2im(const ConvShape& s, const Tensor& columns, Tensor& input_grad) {
  check_conv("col2im", s, input_grad, columns);
  const float* cols = columns.data();
  float* out = input_grad.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < input_grad.numel(); ++i) out[i] = col2im_gather(s, cols, i);
  traffic_.read("col2im", columns);
  traffic_.write("col2im", input_grad);
}

}  // namespace mpsim::kernels
