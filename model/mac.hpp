// The MAC: acc' = round_acc(acc + a * b) with a single rounding, a, b and acc each in their own
// FloatFormat. This is the arithmetic of one PE of the array (DESIGN.md, numerics contract);
// RTL, SystemC engine and the exact GEMM kernels are held to it bit for bit.
//
// Why it is exact with doubles only: a and b have at most 24 significant bits, so a * b has at
// most 48 and is exact in binary64 (and far from its range limits, see is_supported()). Then
// TwoSum (Knuth, TAOCP vol. 2, 4.2.2) splits acc + p into s = fl64(acc + p) and the exact error
// e with acc + p = s + e, |e| <= ulp64(s)/2. The accumulator keeps at most 24 bits, so e can
// only decide ties and exact cases, which is what encode_with_tail() takes: its sign.
#pragma once

#include <cmath>
#include <cstdint>

#include "model/bits.hpp"
#include "model/float_format.hpp"
#include "model/host_device.hpp"
#include "model/quantize.hpp"

namespace mpsim {

struct MacFormats {
  FloatFormat a = formats::fp32;
  FloatFormat b = formats::fp32;
  FloatFormat acc = formats::fp32;
};

namespace detail {
MPSIM_HD constexpr bool is_nan(double x) { return x != x; }
MPSIM_HD constexpr bool is_inf(double x) { return x == infinity() || x == -infinity(); }
}  // namespace detail

// One MAC step, nearest-even. Overflow defaults to IEEE behaviour (Inf, or NaN for fn/fnuz).
// Flags: invalid for Inf * 0 and Inf - Inf; overflow, underflow, inexact from the rounding.
MPSIM_HD constexpr Encoded mac(std::uint32_t acc, std::uint32_t a, std::uint32_t b, const MacFormats& f,
                               Overflow overflow = Overflow::infinity) {
  const RoundingSpec spec{Rounding::nearest_even, overflow};
  const double va = decode(a, f.a), vb = decode(b, f.b), vacc = decode(acc, f.acc);
  if (detail::is_nan(va) || detail::is_nan(vb) || detail::is_nan(vacc)) return detail::make_nan(f.acc, Flags{});
  if ((detail::is_inf(va) && vb == 0.0) || (va == 0.0 && detail::is_inf(vb)))
    return detail::make_nan(f.acc, Flags{Flags::kInvalid});
  const double product = va * vb;  // exact (see the file comment); +-Inf only from Inf inputs
  if (detail::is_inf(product) && detail::is_inf(vacc) && (product > 0) != (vacc > 0))
    return detail::make_nan(f.acc, Flags{Flags::kInvalid});

  // TwoSum without branches on magnitude; exact in round-to-nearest binary64.
  const double sum = vacc + product;
  if (detail::is_inf(sum)) return encode(sum, f.acc, spec);
  const double b_virtual = sum - vacc;
  const double a_virtual = sum - b_virtual;
  const double error = (vacc - a_virtual) + (product - b_virtual);
  // An exact zero sum keeps IEEE's sign rule: +0 in round to nearest unless both are -0.
  return encode_with_tail(sum, error > 0 ? 1 : (error < 0 ? -1 : 0), f.acc, spec);
}

// Dot product in the array's order: acc = mac(acc, a[k], b[k]) for k = 0, 1, ..., K-1.
// a and b advance by their strides (in elements), so a row of A and a column of B both fit.
// Flags of all steps are ORed into the result.
MPSIM_HD constexpr Encoded dot(std::uint32_t acc, const std::uint32_t* a, long stride_a, const std::uint32_t* b,
                               long stride_b, long K, const MacFormats& f, Overflow overflow = Overflow::infinity) {
  Encoded result{acc, Flags{}, Uncoded::no};
  for (long k = 0; k < K; ++k) {
    const Flags before = result.flags;
    result = mac(result.bits, a[k * stride_a], b[k * stride_b], f, overflow);
    result.flags |= before;
    // An uncoded value (a `none` accumulator past its range) cannot be accumulated further.
    if (result.uncoded != Uncoded::no) break;
  }
  return result;
}

// The fp32-accumulator fast path: fp8/fp16/bf16/fp32 values are exact in fp32, and fmaf rounds
// a * b + acc once, to nearest even, with subnormals: the same result as mac() with
// acc = fp32 (NaN payloads aside). Flags are not computed.
MPSIM_HD inline float mac_fp32(float acc, float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, acc);
#else
  return std::fma(a, b, acc);
#endif
}

static_assert(mac(0x3f800000u, 0x3f800000u, 0x33800000u, MacFormats{}).bits == 0x3f800000u);  // 1 + 2^-24: tie to even
static_assert(mac(0x3f800001u, 0x3f800000u, 0x33800000u, MacFormats{}).bits == 0x3f800002u);  // tie, odd: up

}  // namespace mpsim
