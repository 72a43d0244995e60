// GEMM shapes of a convolution and a fully connected layer in training (Workload convention,
// model/workload.hpp: C[M, N] = A[M, K] x B[K, N]). These are the shapes SCALE-Sim's users
// write by hand into `*_input_grad.csv` and `*_weight_grad.csv`; mpsim derives them.
//
// Conv2d with batch B, C input channels, F filters of KH x KW, output OH x OW (im2col: one row
// per output position, one column per (c, kh, kw)):
//   fwd          M = B*OH*OW   K = C*KH*KW   N = F
//   bwd_data     M = B*OH*OW   K = F         N = C*KH*KW   (then col2im to the input gradient)
//   bwd_weight   M = C*KH*KW   K = B*OH*OW   N = F
// e.g. 7x7, 3->64, stride 2, pad 3 on 224x224, batch 1: fwd 12544 x 147 -> 64, bwd_data
// 12544 x 64 -> 147, bwd_weight 147 x 12544 -> 64 (written M x K -> N).
#pragma once

#include <cstdint>

namespace mpsim {

struct GemmShape {
  std::int64_t m = 1, n = 1, k = 1;
  constexpr bool operator==(const GemmShape&) const = default;
};

struct ConvGeometry {
  std::int64_t batch = 1, in_channels = 1, height = 1, width = 1;
  std::int64_t filters = 1, kernel_h = 1, kernel_w = 1;
  std::int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;

  // PyTorch's Conv2d (no dilation): floor((H + 2 pad - KH) / stride) + 1.
  constexpr std::int64_t out_height() const { return (height + 2 * pad_h - kernel_h) / stride_h + 1; }
  constexpr std::int64_t out_width() const { return (width + 2 * pad_w - kernel_w) / stride_w + 1; }
  constexpr std::int64_t positions() const { return batch * out_height() * out_width(); }
  constexpr std::int64_t patch() const { return in_channels * kernel_h * kernel_w; }
};

constexpr GemmShape conv_fwd_gemm(const ConvGeometry& g) { return {g.positions(), g.filters, g.patch()}; }
constexpr GemmShape conv_bwd_data_gemm(const ConvGeometry& g) { return {g.positions(), g.patch(), g.filters}; }
constexpr GemmShape conv_bwd_weight_gemm(const ConvGeometry& g) { return {g.patch(), g.filters, g.positions()}; }

// Linear layer y[B, out] = x[B, in] W[in, out].
constexpr GemmShape linear_fwd_gemm(std::int64_t batch, std::int64_t in, std::int64_t out) { return {batch, out, in}; }
constexpr GemmShape linear_bwd_data_gemm(std::int64_t batch, std::int64_t in, std::int64_t out) {
  return {batch, in, out};
}
constexpr GemmShape linear_bwd_weight_gemm(std::int64_t batch, std::int64_t in, std::int64_t out) {
  return {in, out, batch};
}

// The worked example, checked at compile time.
static_assert(conv_fwd_gemm({1, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3}) == GemmShape{12544, 64, 147});
static_assert(conv_bwd_data_gemm({1, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3}) == GemmShape{12544, 147, 64});
static_assert(conv_bwd_weight_gemm({1, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3}) == GemmShape{147, 64, 12544});

}  // namespace mpsim
