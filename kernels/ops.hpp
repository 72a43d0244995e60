// Arguments and results of the kernels, shared by the CPU and CUDA backends (backend.hpp).
#pragma once

#include <array>
#include <cstdint>

#include "model/float_format.hpp"
#include "model/host_device.hpp"
#include "model/rounding.hpp"

namespace mpsim::kernels {

// quantize: out = Q(in * scale) / scale, Q the rounding of `format`. A power-of-two scale keeps
// the division exact; any other scale adds one fp32 rounding when un-scaling (documented
// behaviour of per-tensor scaling recipes). Stochastic rounding of element i draws
// random_bits(seed, stream = (step << 32) | tensor id, i), model/philox.hpp.
struct QuantizeSpec {
  FloatFormat format = formats::fp32;
  Rounding rounding = Rounding::nearest_even;
  Overflow overflow = Overflow::saturate;
  float scale = 1.0f;
  std::uint64_t seed = 0;
  std::uint32_t step = 0;
};

// Events of one quantize call. overflow: a finite scaled value rounded beyond max finite (it
// saturated or became Inf/NaN); underflow_to_zero: a nonzero finite value became zero; nan:
// NaN results (NaN inputs, or Inf into a format without Inf).
struct QuantizeCounts {
  std::int64_t overflow = 0;
  std::int64_t underflow_to_zero = 0;
  std::int64_t nan = 0;
  MPSIM_HD constexpr QuantizeCounts& operator+=(const QuantizeCounts& o) {
    overflow += o.overflow;
    underflow_to_zero += o.underflow_to_zero;
    nan += o.nan;
    return *this;
  }
  constexpr bool operator==(const QuantizeCounts&) const = default;
};

// Histogram of floor(log2 |x|) over nonzero finite x, from 2^-149 (fp32's min subnormal) to
// 2^127, plus zeros and non-finite values: what users plot to choose formats and scales.
struct ExponentHistogram {
  static constexpr int kMinExponent = -149, kMaxExponent = 127;
  static constexpr int kBins = kMaxExponent - kMinExponent + 1;
  std::array<std::int64_t, kBins> counts{};
  std::int64_t zeros = 0;
  std::int64_t non_finite = 0;
  std::int64_t at(int exponent) const { return counts[static_cast<std::size_t>(exponent - kMinExponent)]; }
};

// C[M,N] = op(A) op(B) (+ C when accumulate). op(A) is [M,K]: A is stored [M,K], or [K,M] when
// trans_a. op(B) is [K,N]: B is [K,N], or [N,K] when trans_b. Rank-3 tensors are batches:
// [batch, rows, cols] with the same batch count in A, B and C.
struct GemmSpec {
  bool trans_a = false;
  bool trans_b = false;
  bool accumulate = false;
};

// Events of a gemm_exact call: outputs that ended non-finite (overflowed or NaN).
struct GemmExactCounts {
  std::int64_t non_finite_outputs = 0;
};

// A 2-D convolution lowered to a GEMM by im2col (the shapes SCALE-Sim's users write by hand):
//   input   [N, C, H, W]                     (NCHW)
//   columns [N * OH * OW, C * KH * KW]       row (n, oh, ow), column (c, kh, kw)
//   forward       out[N*OH*OW, K]  = columns x weight^T    weight [K, C*KH*KW]
//   backward-data dcolumns          = dout x weight         then col2im to dinput
//   backward-weight dweight[K, CKK] = dout^T x columns
// OH = (H + 2 pad_h - dilation_h (KH - 1) - 1) / stride_h + 1 (PyTorch's Conv2d definition).
struct ConvShape {
  std::int64_t batch = 1, channels = 1, height = 1, width = 1;
  std::int64_t kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;

  MPSIM_HD constexpr std::int64_t out_height() const {
    return (height + 2 * pad_h - dilation_h * (kernel_h - 1) - 1) / stride_h + 1;
  }
  MPSIM_HD constexpr std::int64_t out_width() const {
    return (width + 2 * pad_w - dilation_w * (kernel_w - 1) - 1) / stride_w + 1;
  }
  MPSIM_HD constexpr std::int64_t column_rows() const { return batch * out_height() * out_width(); }
  MPSIM_HD constexpr std::int64_t column_cols() const { return channels * kernel_h * kernel_w; }
  // The input element that column entry (row, col) copies, or -1 for padding.
  MPSIM_HD constexpr std::int64_t source_index(std::int64_t row, std::int64_t col) const {
    const std::int64_t ow = row % out_width(), oh = (row / out_width()) % out_height(), n = row / (out_width() * out_height());
    const std::int64_t kw = col % kernel_w, kh = (col / kernel_w) % kernel_h, c = col / (kernel_w * kernel_h);
    const std::int64_t h = oh * stride_h - pad_h + kh * dilation_h, w = ow * stride_w - pad_w + kw * dilation_w;
    if (h < 0 || h >= height || w < 0 || w >= width) return -1;
    return ((n * channels + c) * height + h) * width + w;
  }
};

}  // namespace mpsim::kernels
