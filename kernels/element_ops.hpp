// Per-element and per-channel arithmetic of the elementwise, reduction and gemm_exact kernels,
// written once (MPSIM_HD) for the CPU loops (kernels/cpu/) and the CUDA kernels (kernels/cuda/),
// so that both backends run the same operations in the same order and agree bit for bit
// (STYLE.md 4). Each CPU loop or CUDA thread calls one of these for one output.
//
// NaN payloads: GPU arithmetic returns the canonical NaN 0x7fffffff whatever the operands' payload,
// x86 keeps the first operand's payload. Where a kernel promises bits (quantize, gemm_exact) it
// writes kCanonicalNan through canonical_nan() instead of relying on arithmetic; elsewhere a NaN
// result is "some NaN" on both backends.
#pragma once

#include <cmath>
#include <cstdint>

#include "model/bits.hpp"
#include "model/host_device.hpp"

namespace mpsim::kernels {

// model/'s quiet_nan() as fp32 (0x7fc00000), built from bits: converting the double NaN would give
// 0x7fffffff on a GPU.
inline constexpr std::uint32_t kCanonicalNanBits = 0x7fc00000u;
MPSIM_HD inline float canonical_nan(float x) { return x != x ? float_from_bits(kCanonicalNanBits) : x; }

// --- ReLU ---------------------------------------------------------------------------------
// y = max(x, 0) with NaN -> 0; the gradient passes where x > 0 (x may be the ReLU output).
MPSIM_HD inline float relu(float x) { return x > 0.0f ? x : 0.0f; }
MPSIM_HD inline float relu_grad(float x, float dy) { return x > 0.0f ? dy : 0.0f; }

// --- per-channel layouts (bias_add, bias_grad, batchnorm_stats) ------------------------------
// x [outer, channels, inner...]: [M, N] with bias per column (inner = 1) or [N, C, H, W] with
// bias per channel (inner = H * W). Element (o, c, i) sits at (o * channels + c) * inner + i.
struct BiasLayout {
  std::int64_t outer, channels, inner;
  MPSIM_HD constexpr std::int64_t index(std::int64_t o, std::int64_t c, std::int64_t i) const {
    return (o * channels + c) * inner + i;
  }
  MPSIM_HD constexpr std::int64_t count_per_channel() const { return outer * inner; }
};

// Channel sums in two levels, the one order both backends use, so the rounded float is the same
// whatever the thread count: each row (o, c) summed over i ascending in double (the GPU runs the
// rows in parallel, one thread each), then channel c's row sums added over o ascending.
MPSIM_HD inline double row_sum(const float* x, const BiasLayout& l, std::int64_t o, std::int64_t c) {
  double sum = 0;
  for (std::int64_t i = 0; i < l.inner; ++i) sum += x[l.index(o, c, i)];
  return sum;
}
MPSIM_HD inline double row_squared_deviation(const float* x, const BiasLayout& l, std::int64_t o, std::int64_t c,
                                             double mean) {
  double sum = 0;
  for (std::int64_t i = 0; i < l.inner; ++i) {
    const double dev = x[l.index(o, c, i)] - mean;
    sum += dev * dev;
  }
  return sum;
}
// rows[c * outer + o] holds row (o, c)'s partial; their sum over o ascending.
MPSIM_HD inline double combine_rows(const double* rows, std::int64_t outer, std::int64_t c) {
  double sum = 0;
  for (std::int64_t o = 0; o < outer; ++o) sum += rows[c * outer + o];
  return sum;
}

MPSIM_HD inline double channel_sum(const float* x, const BiasLayout& l, std::int64_t c) {
  double sum = 0;
  for (std::int64_t o = 0; o < l.outer; ++o) sum += row_sum(x, l, o, c);
  return sum;
}

// Mean and biased variance of channel c, two passes in double (no cancellation in
// E[x^2] - E[x]^2), both in the two-level order above.
struct ChannelMoments {
  double mean, variance;
};
MPSIM_HD inline ChannelMoments channel_moments(const float* x, const BiasLayout& l, std::int64_t c) {
  const double count = static_cast<double>(l.count_per_channel());
  const double mu = channel_sum(x, l, c) / count;
  double squares = 0;
  for (std::int64_t o = 0; o < l.outer; ++o) squares += row_squared_deviation(x, l, o, c, mu);
  return {mu, squares / count};
}

// --- softmax cross-entropy, one row ---------------------------------------------------------
// For logits z[0..classes) of one of `rows` rows: writes dz = (softmax(z) - onehot(label)) / rows
// and returns the row's loss log(sum exp z) - z[label], with the max subtracted for range
// (log-sum-exp). exp and log are the platform's (glibc's or CUDA's), so the backends agree
// to a few ulps here, not bit for bit.
MPSIM_HD inline double softmax_cross_entropy_row(const float* z, std::int64_t classes, std::int32_t label,
                                                 std::int64_t rows, float* dz) {
  double max = z[0];
  for (std::int64_t c = 1; c < classes; ++c) max = static_cast<double>(z[c]) > max ? static_cast<double>(z[c]) : max;
  double sum = 0;
  for (std::int64_t c = 0; c < classes; ++c) sum += std::exp(z[c] - max);
  const double log_sum = std::log(sum) + max;
  for (std::int64_t c = 0; c < classes; ++c) {
    const double p = std::exp(z[c] - log_sum);
    dz[c] = static_cast<float>((p - (c == label ? 1.0 : 0.0)) / static_cast<double>(rows));
  }
  return log_sum - z[label];
}

// --- exponent histogram ---------------------------------------------------------------------
// floor(log2 |x|) of a finite nonzero fp32 x from its bits (= std::ilogb, subnormals included):
// the biased exponent minus 127, or for a subnormal m * 2^-149 the bit length of m minus 150.
MPSIM_HD constexpr int exponent_of(float x) {
  const std::uint32_t magnitude = bits_of(x) & 0x7fffffffu;
  const auto field = static_cast<int>(magnitude >> 23);
  return field == 0 ? bit_length(magnitude) - 150 : field - 127;
}
static_assert(exponent_of(1.0f) == 0 && exponent_of(-3.0f) == 1 && exponent_of(0x1p-149f) == -149 &&
              exponent_of(0x1.8p-140f) == -140 && exponent_of(0x1p127f) == 127);

// --- gemm_exact operands --------------------------------------------------------------------
// v lies in an operand's format when rounding it to the format (q) gives it back; NaN counts when
// the format has NaN, because q is then NaN too.
MPSIM_HD inline bool is_format_value(float v, float q) { return q == v || (q != q && v != v); }

}  // namespace mpsim::kernels
