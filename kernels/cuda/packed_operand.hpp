// Where element i of a packed GEMM operand lives in the tensor as stored. gemm_exact packs op(A)
// and op(B), gemm_fast's FP8 path writes op(A) and op(B)^T, both row-major per batch of
// [rows, cols]; the tensor holds each batch as [rows, cols], or as [cols, rows] when transposed
// (GemmSpec's trans_a / trans_b). One definition for the packing kernels and for the host code
// that quotes a rejected value (kernels/cpu/cpu_gemm.cpp's pack_operand walks the same map).
#pragma once

#include <cstdint>

#include "model/host_device.hpp"

namespace mpsim::kernels {

MPSIM_HD constexpr std::int64_t stored_index(std::int64_t i, std::int64_t rows, std::int64_t cols, bool transposed) {
  const std::int64_t per_batch = rows * cols, p = i % per_batch;
  return i - p + (transposed ? (p % cols) * rows + p / cols : p);
}
static_assert(stored_index(7, 2, 3, false) == 7 && stored_index(1, 2, 3, true) == 2 && stored_index(9, 2, 3, true) == 7);

}  // namespace mpsim::kernels
