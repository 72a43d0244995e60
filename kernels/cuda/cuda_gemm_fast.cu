// gemm_fast on the GPU: C = op(A) op(B) (+ C), fp32 accumulation in the library's order, batched.
// Must match kernels/cpu/cpu_gemm.cpp (CpuBackend::gemm_fast, Eigen) within the fp32-accumulation
// bound, and record the same traffic. Two paths, the one taken returned as GemmPath and the reason
// for not taking FP8 kept in gemm_fast_note():
//
//   cublaslt_fp8  A and B stored as e4m3 / e5m2 (not both e5m2), sm_89+, M, N, K multiples of 16:
//                 the operands are converted to fp8 bytes and multiplied on the FP8 tensor cores
//                 through cuBLASLt (kernels/cuda/cublaslt_matmul.hpp), fp32 output. The
//                 conversion is exact by construction: each element is encoded with model/'s
//                 encode() and an element that is not a value of its format (after a power-of-two
//                 scale, see to_fp8 below) sends the call to the fallback instead of rounding.
//   cublas_fp32   everything else: cublasSgemmStridedBatched on the fp32 values.
//
// Row-major to cuBLAS's column-major: a row-major [R, C] matrix is the column-major [C, R]
// matrix of its transpose, so row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T:
// cuBLAS gets B first, with M and N swapped, and no copy is made.
//
// cuBLASLt FP8 wants A transposed and B not ("TN"), i.e. both operands contiguous along K. The
// conversion writes them so: op(A) as a row-major [M, K] block and op(B)^T as a row-major [N, K]
// block (transposing on the fly when the tensor is stored the other way), so every transpose
// combination of GemmSpec reaches the FP8 path. In cuBLASLt's terms, with the swap above:
//   A_lt = op(B)^T bytes: column-major K x N, ld K, CUBLAS_OP_T   -> op(A_lt) = N x K
//   B_lt = op(A) bytes:   column-major K x M, ld K, CUBLAS_OP_N   -> op(B_lt) = K x M
//   C = D = c.data():      column-major N x M, ld N, fp32          (= row-major [M, N])
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <climits>
#include <cmath>
#include <cstdint>

#include "kernels/cuda/cublaslt_matmul.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"
#include "kernels/cuda/packed_operand.hpp"
#include "model/format_names.hpp"
#include "model/quantize.hpp"

namespace mpsim::kernels {
namespace {

using cuda_detail::add_count;
using cuda_detail::first_index;
using cuda_detail::grid_stride;
using cuda_detail::kThreads;

constexpr std::int64_t kFp8Multiple = 16;  // cuBLASLt FP8: 16-byte aligned leading dimensions

// out[b][r][kk] = the fp8 code of op(X)[r][kk] * scale for the batch's [rows, depth] operand,
// where X is stored [rows, depth] (transposed = false) or [depth, rows] (transposed = true).
// Counts into *misses the elements whose scaled value is not exactly a value of f (inexact,
// out of range, Inf or NaN), or whose scaling itself rounded (an fp32 underflow when scale < 1):
// any miss and the caller does not use the bytes.
__global__ void __launch_bounds__(kThreads) to_fp8_kernel(const float* x, std::uint8_t* out, std::int64_t batch,
                                                         std::int64_t rows, std::int64_t depth, bool transposed,
                                                         float scale, FloatFormat f, unsigned long long* misses) {
  long long local = 0;
  for (std::int64_t i = first_index(); i < batch * rows * depth; i += grid_stride()) {
    const float value = x[stored_index(i, rows, depth, transposed)];
    const float v = value * scale;  // scale is a power of two: exact unless fp32 under- or overflows
    const Encoded e = encode(v, f);  // nearest even: only decides when the value is inexact anyway
    local += (e.flags.bits != 0 || !(v - v == 0.0f) || v / scale != value) ? 1 : 0;
    out[i] = static_cast<std::uint8_t>(e.bits);
  }
  add_count(local, misses);
}

bool fp8_type(const FloatFormat& f, cudaDataType_t* type) {
  if (f == formats::e4m3) *type = CUDA_R_8F_E4M3;  // OCP E4M3FN: model/'s e4m3 codes as they are
  else if (f == formats::e5m2) *type = CUDA_R_8F_E5M2;
  else return false;
  return true;
}

int checked_int(std::int64_t v) {
  if (v > INT_MAX) throw KernelError("gemm_fast: dimension " + std::to_string(v) + " beyond cuBLAS's 32-bit range");
  return static_cast<int>(v);
}

}  // namespace

// Writes the fp8 codes of `t` (see to_fp8_kernel) and the scale used. First at scale 1 (tensors
// quantized without a scale hold format values as they are); if that misses, at the power of two
// 2^j that brings amax up to, but not beyond, the format's max finite: a tensor holding Q(x s)/s
// for a power-of-two s (ops.hpp, QuantizeSpec) converts exactly at that 2^j, because raising
// every value of a format by the same power of two keeps it in the format while it stays in range.
bool CudaBackend::to_fp8(const Tensor& t, const char* which, const FloatFormat& f, std::int64_t batch,
                         std::int64_t rows, std::int64_t depth, bool transposed, std::uint8_t* out, float* scale) {
  auto* misses = results_.as<unsigned long long>(1);
  const auto convert = [&](float s) {
    MPSIM_CUDA_CHECK(cudaMemset(misses, 0, sizeof(unsigned long long)));
    to_fp8_kernel<<<grid(batch * rows * depth), kThreads>>>(t.data(), out, batch, rows, depth, transposed, s, f,
                                                            misses);
    MPSIM_CUDA_CHECK_LAUNCH(to_fp8_kernel);
    unsigned long long host = 0;
    MPSIM_CUDA_CHECK(cudaMemcpy(&host, misses, sizeof host, cudaMemcpyDeviceToHost));
    return host;
  };
  *scale = 1.0f;
  if (convert(1.0f) == 0) return true;
  const double amax = device_amax(t.data(), t.numel());
  if (amax > 0 && std::isfinite(amax)) {
    int j = std::ilogb(f.max_finite() / amax);
    while (j > -126 && std::ldexp(amax, j) > f.max_finite()) --j;
    while (j < 127 && std::ldexp(amax, j + 1) <= f.max_finite()) ++j;
    j = j < -126 ? -126 : (j > 127 ? 127 : j);  // an fp32 normal power of two
    if (j != 0 && convert(std::ldexp(1.0f, j)) == 0) {
      *scale = std::ldexp(1.0f, j);
      return true;
    }
  }
  gemm_fast_note_ = std::string(which) + " (" + t.name() + ") holds values that are not " + format_name(f) +
                    " values at scale 1 or at the power-of-two scale of its amax (Inf, NaN or unquantized data)";
  return false;
}

bool CudaBackend::gemm_fast_fp8(const GemmSpec& spec, const GemmDims& d, const Tensor& a, const Tensor& b, Tensor& c) {
  cudaDataType_t type_a{}, type_b{};
  if (!fp8_type(a.format(), &type_a) || !fp8_type(b.format(), &type_b)) {
    gemm_fast_note_ = "operands stored as " + format_name(a.format()) + " x " + format_name(b.format()) +
                      ", not e4m3 / e5m2";
    return false;
  }
  if (type_a == CUDA_R_8F_E5M2 && type_b == CUDA_R_8F_E5M2) {
    gemm_fast_note_ = "e5m2 x e5m2 has no cuBLASLt FP8 kernel (one operand must be e4m3)";
    return false;
  }
  if (compute_capability_ < 89) {
    gemm_fast_note_ = "sm_" + std::to_string(compute_capability_) + " has no FP8 tensor cores (sm_89 or newer)";
    return false;
  }
  if (d.m % kFp8Multiple != 0 || d.n % kFp8Multiple != 0 || d.k % kFp8Multiple != 0 || d.k == 0) {
    gemm_fast_note_ = "M, N, K = " + std::to_string(d.m) + ", " + std::to_string(d.n) + ", " + std::to_string(d.k) +
                      " are not all nonzero multiples of 16 (cuBLASLt FP8 alignment)";
    return false;
  }
  if (d.batch > INT_MAX || reinterpret_cast<std::uintptr_t>(c.data()) % 16 != 0) {
    gemm_fast_note_ = "batch count or C's alignment outside cuBLASLt's limits";
    return false;
  }

  auto* a8 = work_a_.as<std::uint8_t>(d.batch * d.m * d.k);  // op(A) as row-major [M, K] per batch
  auto* b8 = work_b_.as<std::uint8_t>(d.batch * d.n * d.k);  // op(B)^T as row-major [N, K] per batch
  float scale_a = 1.0f, scale_b = 1.0f;
  if (!to_fp8(a, "A", a.format(), d.batch, d.m, d.k, spec.trans_a, a8, &scale_a)) return false;
  if (!to_fp8(b, "B", b.format(), d.batch, d.n, d.k, !spec.trans_b, b8, &scale_b)) return false;

  // The bytes hold A scale_a and B scale_b: alpha = 1 / (scale_a scale_b) undoes both on the fp32
  // sum (cublaslt_matmul.hpp: why not cuBLASLt's per-tensor scale pointers). A power of two, so
  // exact while alpha and the results stay fp32 normals; a pair of scales whose product leaves
  // that range (only for operands near fp32's own limits) takes the fallback instead.
  const double alpha = 1.0 / (static_cast<double>(scale_a) * static_cast<double>(scale_b));
  if (alpha < 0x1p-126 || alpha > 0x1p127) {
    gemm_fast_note_ = "conversion scales 2^" + std::to_string(std::ilogb(scale_a)) + " x 2^" +
                      std::to_string(std::ilogb(scale_b)) + " give alpha 2^" + std::to_string(std::ilogb(alpha)) +
                      ", not an fp32 normal";
    return false;
  }

  LtGemmDesc desc;
  desc.trans_a = CUBLAS_OP_T;
  desc.trans_b = CUBLAS_OP_N;
  desc.a = {type_b, static_cast<std::uint64_t>(d.k), static_cast<std::uint64_t>(d.n), d.k, d.n * d.k};
  desc.b = {type_a, static_cast<std::uint64_t>(d.k), static_cast<std::uint64_t>(d.m), d.k, d.m * d.k};
  desc.c = {CUDA_R_32F, static_cast<std::uint64_t>(d.n), static_cast<std::uint64_t>(d.m), d.n, d.m * d.n};
  desc.batch = static_cast<std::int32_t>(d.batch);
  desc.compute = CUBLAS_COMPUTE_32F;
  const LtMatmulPlan plan(lt_, desc, kLtWorkspaceBytes);
  if (!plan.supported()) {
    gemm_fast_note_ = "cuBLASLt offers no FP8 algorithm for this problem on sm_" + std::to_string(compute_capability_) +
                      " (" + cublasGetStatusString(plan.heuristic_status()) + ")";
    return false;
  }
  const cublasStatus_t status =
      plan.run(b8, a8, c.data(), static_cast<float>(alpha), spec.accumulate ? 1.0f : 0.0f,
               lt_workspace_.get(kLtWorkspaceBytes), nullptr);
  if (status == CUBLAS_STATUS_NOT_SUPPORTED) {
    gemm_fast_note_ = "cublasLtMatmul reported the FP8 problem as not supported";
    return false;
  }
  MPSIM_CUDA_CHECK(status);
  gemm_fast_note_.clear();
  return true;
}

GemmPath CudaBackend::gemm_fast(const GemmSpec& spec, const Tensor& a, const Tensor& b, Tensor& c) {
  const GemmDims d = check_gemm("gemm_fast", spec, a, b, c);
  check_device("gemm_fast", a, Device::cuda);
  check_device("gemm_fast", b, Device::cuda);
  check_device("gemm_fast", c, Device::cuda);
  GemmPath path = GemmPath::cublas_fp32;
  if (d.batch * d.m * d.n == 0) {
    gemm_fast_note_ = "empty output";
  } else if (gemm_fast_fp8(spec, d, a, b, c)) {
    path = GemmPath::cublaslt_fp8;
  } else {
    const float one = 1.0f, beta = spec.accumulate ? 1.0f : 0.0f;  // beta 0: C is not read
    const int m = checked_int(d.m), n = checked_int(d.n), k = checked_int(d.k), batch = checked_int(d.batch);
    // Leading dimensions of the stored matrices (at least 1 for cuBLAS, even when K = 0).
    const int ld_b = std::max(1, spec.trans_b ? k : n), ld_a = std::max(1, spec.trans_a ? m : k);
    MPSIM_CUDA_CHECK(cublasSgemmStridedBatched(blas_, spec.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                               spec.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &one, b.data(), ld_b,
                                               d.k * d.n, a.data(), ld_a, d.m * d.k, &beta, c.data(), n, d.m * d.n,
                                               batch));
  }
  traffic_.read("gemm_fast", a);
  traffic_.read("gemm_fast", b);
  if (spec.accumulate) traffic_.read("gemm_fast", c);
  traffic_.write("gemm_fast", c);
  return path;
}

}  // namespace mpsim::kernels
