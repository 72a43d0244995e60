// GEMMs on the CPU.
//
// gemm_fast: Eigen's sgemm on the stored fp32 values, split into shape-fixed pieces run in
// parallel (so the result does not depend on the thread count).
//
// gemm_exact: the array's arithmetic, every output accumulated in ascending k with one rounding
// per MAC. Three paths, each equal to model/'s mac() chain bit for bit (tests/kernels/):
//   fp32 accumulator, finite operands   -> fma chain (mac_fp32): one rounding, same as mac()
//   narrow accumulator (fp16, ...)      -> mac_narrow: TwoSum + round to odd + fp32 fast path
//   anything else (Inf/NaN operands,
//   bf16 accumulator, ...)              -> model/'s dot() on the codes
// Outputs are independent, so OpenMP tiles change nothing in the result.
#include <omp.h>

#include <cmath>
#include <vector>

#include <Eigen/Core>

#include "kernels/cpu/cpu_backend.hpp"
#include "model/target_clones.hpp"

namespace mpsim::kernels {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMatrix>;
using Map = Eigen::Map<RowMatrix>;

// op(X) of a [rows, cols] row-major matrix, packed row-major, each value replaced by the value
// model/ decodes from its code (so -0 becomes +0 in fnuz formats). Throws when a value does not
// lie in `format`. Returns whether every value is finite.
bool pack_operand(const char* which, const Tensor& t, const float* x, std::int64_t rows, std::int64_t cols,
                  bool transpose, const FloatFormat& format, float* packed) {
  const Fp32Quantizer in_format(format, Overflow::infinity);
  bool finite = true;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const float v = transpose ? x[c * rows + r] : x[r * cols + c];
      const float q = in_format(v);
      if (!is_format_value(v, q)) throw_not_format_value(which, t, v, format);
      finite = finite && std::isfinite(q);
      packed[r * cols + c] = q;
    }
  }
  return finite;
}

// A block of up to kBlockRows x kBlockCols outputs, accumulated over all k with `mac`. The full
// block has constant bounds, so its accumulators stay in vector registers for the whole k loop
// and each B load serves kBlockRows rows; edge blocks take the same loop with runtime bounds.
// Every output still sees its MACs in ascending k, one rounding each.
constexpr std::int64_t kBlockRows = 4, kBlockCols = 16;

// always_inline: so that the whole block is compiled inside each target clone below (a call
// would run the default-target code, where fma is a libm call).
template <bool kFull, typename Mac>
[[gnu::always_inline]] inline void mac_block(const float* a, std::int64_t lda, const float* b, std::int64_t ldb, std::int64_t k_count,
                      float* c, std::int64_t ldc, std::int64_t rows, std::int64_t cols, Mac mac) {
  if constexpr (kFull) {
    rows = kBlockRows;
    cols = kBlockCols;
  }
  float acc[kBlockRows][kBlockCols];
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < cols; ++j) acc[r][j] = c[r * ldc + j];
  for (std::int64_t k = 0; k < k_count; ++k) {
    const float* b_row = b + k * ldb;
    // Full unrolling turns acc into registers (without it GCC keeps it in memory: 4 instructions
    // per MAC instead of 0.2).
#pragma GCC unroll 4
    for (std::int64_t r = 0; r < rows; ++r) {
      const float ar = a[r * lda + k];
#pragma GCC unroll 16
      for (std::int64_t j = 0; j < cols; ++j) acc[r][j] = mac(acc[r][j], ar, b_row[j]);
    }
  }
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < cols; ++j) c[r * ldc + j] = acc[r][j];
}

// The fp32-accumulator MAC (fma, one rounding) and the narrow one (model/mac.hpp).
struct Fp32Mac {
  // The builtin, not std::fma: the library wrapper is a default-target function that a clone
  // cannot inline, so it would become a libm call.
  [[gnu::always_inline]] float operator()(float acc, float a, float b) const { return __builtin_fmaf(a, b, acc); }
};
struct NarrowMac {
  Fp32Quantizer rounding;  // by value: no aliasing with the outputs, so its fields stay in registers
  [[gnu::always_inline]] float operator()(float acc, float a, float b) const { return mac_narrow(acc, a, b, rounding); }
};

// One tile of C, [i0, i1) x [j0, j1), in register blocks. Cloned for Haswell and later (FMA and
// AVX2 instructions); the default clone calls libm's fmaf, which is just as exact.
template <typename Mac>
[[gnu::always_inline]] inline void mac_tile(const float* a, const float* b, float* c, std::int64_t n, std::int64_t k, std::int64_t i0,
                     std::int64_t i1, std::int64_t j0, std::int64_t j1, Mac mac) {
  for (std::int64_t j = j0; j < j1; j += kBlockCols) {
    const std::int64_t cols = j1 - j < kBlockCols ? j1 - j : kBlockCols;  // no std::min: see Fp32Mac
    for (std::int64_t i = i0; i < i1; i += kBlockRows) {
      const std::int64_t rows = i1 - i < kBlockRows ? i1 - i : kBlockRows;
      if (rows == kBlockRows && cols == kBlockCols)
        mac_block<true>(a + i * k, k, b + j, n, k, c + i * n + j, n, rows, cols, mac);
      else
        mac_block<false>(a + i * k, k, b + j, n, k, c + i * n + j, n, rows, cols, mac);
    }
  }
}

MPSIM_TARGET_CLONES("arch=haswell", "default")
void tile_fp32(const float* a, const float* b, float* c, std::int64_t n, std::int64_t k, std::int64_t i0,
               std::int64_t i1, std::int64_t j0, std::int64_t j1) {
  mac_tile(a, b, c, n, k, i0, i1, j0, j1, Fp32Mac{});
}

MPSIM_TARGET_CLONES("arch=haswell", "default")
void tile_narrow(const float* a, const float* b, float* c, std::int64_t n, std::int64_t k, std::int64_t i0,
                 std::int64_t i1, std::int64_t j0, std::int64_t j1, const Fp32Quantizer& rounding) {
  mac_tile(a, b, c, n, k, i0, i1, j0, j1, NarrowMac{rounding});
}

}  // namespace

// gemm_fast splits the work itself, in pieces that depend on the shape only, and runs Eigen on one
// thread per piece: Eigen's own threading chooses its k-blocking from the thread count, so its
// sums (and a training run) would change with --threads. Tall products split into row blocks of
// C; short, deep ones (backward-weight, K = batch x positions) into K chunks whose partial
// products are added in chunk order.
namespace {
constexpr std::int64_t kRowBlock = 1024, kDepthChunk = 4096;

template <typename A, typename B, typename C>
void product(const A& a, const B& b, C&& c, bool accumulate) {
  if (accumulate) c.noalias() += a * b;
  else c.noalias() = a * b;
}

// C (+)= op(A)[rows i0.., cols k0..] op(B)[rows k0.., cols j..] for one piece.
void piece(const ConstMap& ma, const ConstMap& mb, Map& mc, const GemmSpec& spec, std::int64_t i0, std::int64_t rows,
           std::int64_t k0, std::int64_t depth, float* out, std::int64_t ldo, bool accumulate) {
  Eigen::Map<RowMatrix, 0, Eigen::OuterStride<>> c(out, rows, mc.cols(), Eigen::OuterStride<>(ldo));
  if (spec.trans_a && spec.trans_b)
    product(ma.block(k0, i0, depth, rows).transpose(), mb.block(0, k0, mb.rows(), depth).transpose(), c, accumulate);
  else if (spec.trans_a)
    product(ma.block(k0, i0, depth, rows).transpose(), mb.block(k0, 0, depth, mb.cols()), c, accumulate);
  else if (spec.trans_b)
    product(ma.block(i0, k0, rows, depth), mb.block(0, k0, mb.rows(), depth).transpose(), c, accumulate);
  else
    product(ma.block(i0, k0, rows, depth), mb.block(k0, 0, depth, mb.cols()), c, accumulate);
}
}  // namespace

GemmPath CpuBackend::gemm_fast(const GemmSpec& spec, const Tensor& a, const Tensor& b, Tensor& c) {
  const GemmDims d = check_gemm("gemm_fast", spec, a, b, c);
  Eigen::setNbThreads(1);
  const std::int64_t a_rows = spec.trans_a ? d.k : d.m, a_cols = spec.trans_a ? d.m : d.k;
  const std::int64_t b_rows = spec.trans_b ? d.n : d.k, b_cols = spec.trans_b ? d.k : d.n;
  for (std::int64_t batch = 0; batch < d.batch; ++batch) {
    ConstMap ma(a.data() + batch * a_rows * a_cols, a_rows, a_cols);
    ConstMap mb(b.data() + batch * b_rows * b_cols, b_rows, b_cols);
    Map mc(c.data() + batch * d.m * d.n, d.m, d.n);
    if (d.m >= 2 * kRowBlock) {
      const std::int64_t blocks = (d.m + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (std::int64_t i = 0; i < blocks; ++i) {
        const std::int64_t i0 = i * kRowBlock, rows = std::min(kRowBlock, d.m - i0);
        piece(ma, mb, mc, spec, i0, rows, 0, d.k, mc.data() + i0 * d.n, d.n, spec.accumulate);
      }
    } else if (d.k >= 2 * kDepthChunk) {
      const std::int64_t chunks = (d.k + kDepthChunk - 1) / kDepthChunk;
      std::vector<float> partial(static_cast<std::size_t>(chunks * d.m * d.n));
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (std::int64_t j = 0; j < chunks; ++j) {
        const std::int64_t k0 = j * kDepthChunk, depth = std::min(kDepthChunk, d.k - k0);
        piece(ma, mb, mc, spec, 0, d.m, k0, depth, partial.data() + j * d.m * d.n, d.n, false);
      }
      float* out = mc.data();
      for (std::int64_t e = 0; e < d.m * d.n; ++e) {
        float sum = spec.accumulate ? out[e] : 0.0f;
        for (std::int64_t j = 0; j < chunks; ++j) sum += partial[static_cast<std::size_t>(j * d.m * d.n + e)];
        out[e] = sum;
      }
    } else {
      piece(ma, mb, mc, spec, 0, d.m, 0, d.k, mc.data(), d.n, spec.accumulate);
    }
  }
  traffic_.read("gemm_fast", a);
  traffic_.read("gemm_fast", b);
  if (spec.accumulate) traffic_.read("gemm_fast", c);
  traffic_.write("gemm_fast", c);
  return GemmPath::eigen_fp32;
}

GemmExactCounts CpuBackend::gemm_exact(const GemmSpec& spec, const MacFormats& formats, const Tensor& a,
                                       const Tensor& b, Tensor& c) {
  const GemmDims d = check_gemm("gemm_exact", spec, a, b, c);
  check_gemm_exact_formats(formats);
  const bool fp32_acc = formats.acc == formats::fp32;
  const bool narrow_ok = has_narrow_mac_fast_path(formats);
  const Fp32Quantizer acc_rounding(formats.acc, Overflow::infinity);
  constexpr std::int64_t kTileRows = 64, kTileCols = 64;  // B strip of one tile stays in L1/L2

  std::vector<float> pa(static_cast<std::size_t>(d.m * d.k)), pb(static_cast<std::size_t>(d.k * d.n));
  std::int64_t non_finite = 0;
  for (std::int64_t batch = 0; batch < d.batch; ++batch) {
    const bool finite_a = pack_operand("A", a, a.data() + batch * d.m * d.k, d.m, d.k, spec.trans_a, formats.a, pa.data());
    const bool finite_b = pack_operand("B", b, b.data() + batch * d.k * d.n, d.k, d.n, spec.trans_b, formats.b, pb.data());
    float* out = c.data() + batch * d.m * d.n;
    if (spec.accumulate) pack_operand("C", c, out, d.m, d.n, false, formats.acc, out);
    else std::fill_n(out, d.m * d.n, 0.0f);
    const bool fast = finite_a && finite_b && (fp32_acc || narrow_ok);

    if (fast) {
#pragma omp parallel for collapse(2) num_threads(threads_) schedule(static)
      for (std::int64_t i0 = 0; i0 < d.m; i0 += kTileRows) {
        for (std::int64_t j0 = 0; j0 < d.n; j0 += kTileCols) {
          const std::int64_t i1 = std::min(i0 + kTileRows, d.m), j1 = std::min(j0 + kTileCols, d.n);
          if (fp32_acc) tile_fp32(pa.data(), pb.data(), out, d.n, d.k, i0, i1, j0, j1);
          else tile_narrow(pa.data(), pb.data(), out, d.n, d.k, i0, i1, j0, j1, acc_rounding);
        }
      }
    } else {
      // The general path: codes, and model/'s dot() per output.
      std::vector<std::uint32_t> ca(pa.size()), cb(pb.size());
      for (std::size_t i = 0; i < pa.size(); ++i) ca[i] = encode(pa[i], formats.a).bits;
      for (std::size_t i = 0; i < pb.size(); ++i) cb[i] = encode(pb[i], formats.b).bits;
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 4)
      for (std::int64_t i = 0; i < d.m; ++i) {
        for (std::int64_t j = 0; j < d.n; ++j) {
          const std::uint32_t init = encode(out[i * d.n + j], formats.acc).bits;
          const Encoded r = dot(init, ca.data() + i * d.k, 1, cb.data() + j, d.n, d.k, formats);
          out[i * d.n + j] = static_cast<float>(value_of(r, formats.acc));
        }
      }
    }
    // NaN results carry model/'s canonical quiet NaN, whatever payload fma produced.
    for (std::int64_t i = 0; i < d.m * d.n; ++i) {
      out[i] = canonical_nan(out[i]);
      non_finite += std::isfinite(out[i]) ? 0 : 1;
    }
  }
  traffic_.read("gemm_exact", a);
  traffic_.read("gemm_exact", b);
  if (spec.accumulate) traffic_.read("gemm_exact", c);
  c.set_format(formats.acc);
  traffic_.write("gemm_exact", c);
  return {non_finite};
}

}  // namespace mpsim::kernels
