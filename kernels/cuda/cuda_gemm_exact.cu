// gemm_exact on the GPU: the array's arithmetic, every C[m][n] accumulated in ascending k with one
// rounding per MAC (model/mac.hpp). Must equal kernels/cpu/cpu_gemm.cpp (CpuBackend::gemm_exact)
// bit for bit, so it follows that function step by step:
//   1. pack    op(A) and op(B) row-major, each value replaced by its rounding to the operand's
//              format (-0 -> +0 in fnuz, any NaN -> the canonical one), as pack_operand; C (when
//              accumulating) in place against the accumulator format. A value that is not in its
//              format is an error with pack_operand's message, naming the first one the CPU would
//              meet (batch by batch, A then B then C, each in packed order).
//   2. choose  per batch the same path as the CPU:
//                finite A and B, fp32 accumulator      -> mac_fp32 (one __fmaf_rn per step)
//                finite A and B, narrow fast path ok   -> mac_narrow (model/mac.hpp)
//                otherwise                             -> model/'s dot() on the codes
//   3. compute one output per thread in ascending k: the two fast paths through 64 x 64 tiles with
//              A and B staged in shared memory (each thread owns 4 x 4 outputs and walks k in order;
//              the staging changes where operands come from, never the order of the MACs); the
//              general path one thread per output calling dot().
//   4. finish  NaN outputs become the canonical NaN (element_ops.hpp), non-finite outputs counted.
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"
#include "kernels/cuda/packed_operand.hpp"
#include "kernels/element_ops.hpp"
#include "model/mac.hpp"
#include "model/quantize.hpp"
#include "model/quantize_fast.hpp"

namespace mpsim::kernels {
namespace {

using cuda_detail::add_count;
using cuda_detail::first_index;
using cuda_detail::grid_stride;
using cuda_detail::kThreads;

// --- 1. packing --------------------------------------------------------------------------------
// packed[b][r][c] = q(op(X)[r][c]) for X's batch b stored [rows, cols], or [cols, rows] when
// transposed; q = Fp32Quantizer(format, Overflow::infinity), as pack_operand. A value that is not
// in the format keeps its value (so that the host can quote it) and its packed index lowers
// *first_bad. non_finite[b] becomes 1 when batch b holds Inf or NaN (nullptr: not wanted).
__global__ void __launch_bounds__(kThreads) pack_kernel(const float* x, float* packed, std::int64_t batch,
                                                       std::int64_t rows, std::int64_t cols, bool transposed,
                                                       Fp32Quantizer in_format, unsigned long long* first_bad,
                                                       unsigned* non_finite) {
  const std::int64_t per_batch = rows * cols;
  for (std::int64_t i = first_index(); i < batch * per_batch; i += grid_stride()) {
    const float v = x[stored_index(i, rows, cols, transposed)];
    float q = in_format(v);
    if (!is_format_value(v, q)) {
      atomicMin(first_bad, static_cast<unsigned long long>(i));
      q = v;
    }
    if (non_finite && !(q - q == 0.0f)) non_finite[i / per_batch] = 1;  // every writer writes 1
    packed[i] = q;
  }
}

__global__ void __launch_bounds__(kThreads) encode_kernel(const float* x, std::uint32_t* codes, std::int64_t n,
                                                         FloatFormat f) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) codes[i] = encode(x[i], f).bits;
}

// --- 3. the MAC chains ----------------------------------------------------------------------------
struct MacFp32 {
  __device__ float operator()(float acc, float a, float b) const { return mac_fp32(acc, a, b); }
};
struct MacNarrow {
  Fp32Quantizer acc_rounding;  // Fp32Quantizer(formats.acc, Overflow::infinity), as the CPU
  __device__ float operator()(float acc, float a, float b) const { return mac_narrow(acc, a, b, acc_rounding); }
};

// Block tile kTile x kTile outputs, 16 x 16 threads, each thread kSub x kSub outputs spaced 16
// apart (rows ty + 16 i, columns tx + 16 j), so shared-memory reads of a warp are broadcasts or
// consecutive words. K advances kTileK at a time; inside a stage each thread runs k in order.
constexpr int kTile = 64, kTileK = 16, kSub = 4, kSide = 16;
static_assert(kSide * kSub == kTile && kSide * kSide == kThreads);

template <typename Mac>
__global__ void __launch_bounds__(kThreads) gemm_exact_tiled(const float* a, const float* b, float* c, std::int64_t m,
                                                            std::int64_t n, std::int64_t k, Mac mac) {
  __shared__ float a_tile[kTileK][kTile + 1];  // [k][row]; +1: the transposing store is conflict-free
  __shared__ float b_tile[kTileK][kTile];      // [k][column]
  const int tx = static_cast<int>(threadIdx.x) % kSide, ty = static_cast<int>(threadIdx.x) / kSide;
  const std::int64_t row0 = std::int64_t{blockIdx.x} * kTile, col0 = std::int64_t{blockIdx.y} * kTile;

  float acc[kSub][kSub];  // initial value: the packed C (or +0), as the CPU's `out`
#pragma unroll
  for (int i = 0; i < kSub; ++i)
#pragma unroll
    for (int j = 0; j < kSub; ++j) {
      const std::int64_t r = row0 + ty + kSide * i, col = col0 + tx + kSide * j;
      acc[i][j] = r < m && col < n ? c[r * n + col] : 0.0f;
    }

  for (std::int64_t k0 = 0; k0 < k; k0 += kTileK) {
    for (int e = static_cast<int>(threadIdx.x); e < kTile * kTileK; e += kThreads) {
      const int r = e / kTileK, ka = e % kTileK;  // A: consecutive threads along k (coalesced)
      a_tile[ka][r] = row0 + r < m && k0 + ka < k ? a[(row0 + r) * k + k0 + ka] : 0.0f;
      const int kb = e / kTile, col = e % kTile;  // B: consecutive threads along n (coalesced)
      b_tile[kb][col] = k0 + kb < k && col0 + col < n ? b[(k0 + kb) * n + col0 + col] : 0.0f;
    }
    __syncthreads();
    // Only the real k of this stage: a padded step would be a MAC the array never does.
    const int depth = k - k0 < kTileK ? static_cast<int>(k - k0) : kTileK;
    for (int kk = 0; kk < depth; ++kk) {
      float av[kSub], bv[kSub];
#pragma unroll
      for (int i = 0; i < kSub; ++i) av[i] = a_tile[kk][ty + kSide * i];
#pragma unroll
      for (int j = 0; j < kSub; ++j) bv[j] = b_tile[kk][tx + kSide * j];
#pragma unroll
      for (int i = 0; i < kSub; ++i)
#pragma unroll
        for (int j = 0; j < kSub; ++j) acc[i][j] = mac(acc[i][j], av[i], bv[j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < kSub; ++i)
#pragma unroll
    for (int j = 0; j < kSub; ++j) {
      const std::int64_t r = row0 + ty + kSide * i, col = col0 + tx + kSide * j;
      if (r < m && col < n) c[r * n + col] = acc[i][j];
    }
}

// The general path: C[i][j] = dot(code of C[i][j], row i of A, column j of B) with model/'s MAC.
__global__ void __launch_bounds__(kThreads) gemm_exact_dot(const std::uint32_t* a, const std::uint32_t* b, float* c,
                                                          std::int64_t m, std::int64_t n, std::int64_t k,
                                                          MacFormats f) {
  for (std::int64_t i = first_index(); i < m * n; i += grid_stride()) {
    const std::int64_t row = i / n, col = i % n;
    const Encoded r = dot(encode(c[i], f.acc).bits, a + row * k, 1, b + col, n, k, f);
    c[i] = static_cast<float>(value_of(r, f.acc));  // NaN payload fixed in step 4
  }
}

// --- 4. finishing ---------------------------------------------------------------------------------
__global__ void __launch_bounds__(kThreads) finish_kernel(float* c, std::int64_t n, unsigned long long* non_finite) {
  long long local = 0;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const float v = canonical_nan(c[i]);
    c[i] = v;
    local += v - v == 0.0f ? 0 : 1;
  }
  add_count(local, non_finite);
}

// The results_ block: the first bad packed index of A, B and C, the count of non-finite outputs,
// then one non-finite flag per batch for A and for B.
struct ExactScratch {
  unsigned long long first_bad[3];
  unsigned long long non_finite_outputs;
};

}  // namespace

GemmExactCounts CudaBackend::gemm_exact(const GemmSpec& spec, const MacFormats& formats, const Tensor& a,
                                        const Tensor& b, Tensor& c) {
  const GemmDims d = check_gemm("gemm_exact", spec, a, b, c);
  check_gemm_exact_formats(formats);
  check_device("gemm_exact", a, Device::cuda);
  check_device("gemm_exact", b, Device::cuda);
  check_device("gemm_exact", c, Device::cuda);
  const std::int64_t size_a = d.m * d.k, size_b = d.k * d.n, size_c = d.m * d.n;

  // --- 1. pack and validate
  auto* scratch_bytes = results_.as<unsigned char>(static_cast<std::int64_t>(sizeof(ExactScratch)) + 8 * d.batch);
  auto* scratch = reinterpret_cast<ExactScratch*>(scratch_bytes);
  auto* finite_flags = reinterpret_cast<unsigned*>(scratch_bytes + sizeof(ExactScratch));  // [2][batch]
  MPSIM_CUDA_CHECK(cudaMemset(scratch->first_bad, 0xff, sizeof scratch->first_bad));
  MPSIM_CUDA_CHECK(cudaMemset(&scratch->non_finite_outputs, 0, sizeof scratch->non_finite_outputs));
  MPSIM_CUDA_CHECK(cudaMemset(finite_flags, 0, 2 * sizeof(unsigned) * static_cast<std::size_t>(d.batch)));
  float* pa = work_a_.as<float>(d.batch * size_a);
  float* pb = work_b_.as<float>(d.batch * size_b);
  const auto pack = [&](const float* x, float* packed, std::int64_t rows, std::int64_t cols, bool transposed,
                        const FloatFormat& f, int which, unsigned* flags) {
    if (rows * cols == 0 || d.batch == 0) return;
    pack_kernel<<<grid(d.batch * rows * cols), kThreads>>>(x, packed, d.batch, rows, cols, transposed,
                                                           Fp32Quantizer(f, Overflow::infinity),
                                                           &scratch->first_bad[which], flags);
    MPSIM_CUDA_CHECK_LAUNCH(pack_kernel);
  };
  pack(a.data(), pa, d.m, d.k, spec.trans_a, formats.a, 0, finite_flags);
  pack(b.data(), pb, d.k, d.n, spec.trans_b, formats.b, 1, finite_flags + d.batch);
  if (spec.accumulate) pack(c.data(), c.data(), d.m, d.n, false, formats.acc, 2, nullptr);
  else if (size_c * d.batch > 0)
    MPSIM_CUDA_CHECK(cudaMemset(c.data(), 0, static_cast<std::size_t>(d.batch * size_c) * sizeof(float)));

  ExactScratch host{};
  MPSIM_CUDA_CHECK(cudaMemcpy(&host, scratch, sizeof host, cudaMemcpyDeviceToHost));
  {
    // The CPU validates batch by batch, A then B then C, and throws at the first bad value.
    const std::int64_t sizes[3] = {size_a, size_b, size_c};
    int which = -1;
    std::int64_t which_batch = 0;
    for (int w = 0; w < 3; ++w) {
      if (host.first_bad[w] == ULLONG_MAX) continue;
      const auto batch = static_cast<std::int64_t>(host.first_bad[w]) / sizes[w];
      if (which < 0 || batch < which_batch) which = w, which_batch = batch;
    }
    if (which >= 0) {
      // Map the packed index back to the stored element and quote its value.
      const std::int64_t rows[3] = {d.m, d.k, d.m}, cols[3] = {d.k, d.n, d.n};
      const bool transposed[3] = {spec.trans_a, spec.trans_b, false};
      const std::int64_t offset = stored_index(static_cast<std::int64_t>(host.first_bad[which]), rows[which],
                                               cols[which], transposed[which]);
      const Tensor* tensors[3] = {&a, &b, &c};
      const FloatFormat* fmts[3] = {&formats.a, &formats.b, &formats.acc};
      float value = 0;
      MPSIM_CUDA_CHECK(cudaMemcpy(&value, tensors[which]->data() + offset, sizeof value, cudaMemcpyDeviceToHost));
      throw_not_format_value(which == 0 ? "A" : which == 1 ? "B" : "C", *tensors[which], value, *fmts[which]);
    }
  }
  std::vector<unsigned> flags(static_cast<std::size_t>(2 * d.batch));
  if (d.batch > 0)
    MPSIM_CUDA_CHECK(cudaMemcpy(flags.data(), finite_flags, flags.size() * sizeof(unsigned), cudaMemcpyDeviceToHost));

  // --- 2. and 3. per batch, the CPU's choice of path
  const bool fp32_acc = formats.acc == formats::fp32;
  const bool narrow_ok = has_narrow_mac_fast_path(formats);
  if (size_c > 0) {
    if (d.n > std::int64_t{65535} * kTile) throw KernelError("gemm_exact: N = " + std::to_string(d.n) + " too large");
    const dim3 tiles(static_cast<unsigned>((d.m + kTile - 1) / kTile), static_cast<unsigned>((d.n + kTile - 1) / kTile));
    for (std::int64_t batch = 0; batch < d.batch; ++batch) {
      const float* a_batch = pa + batch * size_a;
      const float* b_batch = pb + batch * size_b;
      float* c_batch = c.data() + batch * size_c;
      const bool finite = flags[static_cast<std::size_t>(batch)] == 0 &&
                          flags[static_cast<std::size_t>(d.batch + batch)] == 0;
      if (finite && fp32_acc) {
        gemm_exact_tiled<<<tiles, kThreads>>>(a_batch, b_batch, c_batch, d.m, d.n, d.k, MacFp32{});
        MPSIM_CUDA_CHECK_LAUNCH(gemm_exact_tiled<MacFp32>);
      } else if (finite && narrow_ok) {
        const MacNarrow mac{Fp32Quantizer(formats.acc, Overflow::infinity)};
        gemm_exact_tiled<<<tiles, kThreads>>>(a_batch, b_batch, c_batch, d.m, d.n, d.k, mac);
        MPSIM_CUDA_CHECK_LAUNCH(gemm_exact_tiled<MacNarrow>);
      } else {
        auto* codes_a = codes_a_.as<std::uint32_t>(size_a);
        auto* codes_b = codes_b_.as<std::uint32_t>(size_b);
        if (size_a > 0) {
          encode_kernel<<<grid(size_a), kThreads>>>(a_batch, codes_a, size_a, formats.a);
          MPSIM_CUDA_CHECK_LAUNCH(encode_kernel);
        }
        if (size_b > 0) {
          encode_kernel<<<grid(size_b), kThreads>>>(b_batch, codes_b, size_b, formats.b);
          MPSIM_CUDA_CHECK_LAUNCH(encode_kernel);
        }
        gemm_exact_dot<<<grid(size_c), kThreads>>>(codes_a, codes_b, c_batch, d.m, d.n, d.k, formats);
        MPSIM_CUDA_CHECK_LAUNCH(gemm_exact_dot);
      }
    }

    // --- 4.
    finish_kernel<<<grid(d.batch * size_c), kThreads>>>(c.data(), d.batch * size_c, &scratch->non_finite_outputs);
    MPSIM_CUDA_CHECK_LAUNCH(finish_kernel);
    MPSIM_CUDA_CHECK(cudaMemcpy(&host.non_finite_outputs, &scratch->non_finite_outputs,
                                sizeof host.non_finite_outputs, cudaMemcpyDeviceToHost));
  }
  traffic_.read("gemm_exact", a);
  traffic_.read("gemm_exact", b);
  if (spec.accumulate) traffic_.read("gemm_exact", c);
  c.set_format(formats.acc);
  traffic_.write("gemm_exact", c);
  return {static_cast<std::int64_t>(host.non_finite_outputs)};
}

}  // namespace mpsim::kernels
