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
#include "model/quantize_fast.hpp"

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

// Round to odd (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved
// algorithms using rounding to odd", IEEE TC 2008): truncate, and make the last bit 1 if anything
// nonzero was dropped. A value rounded to odd with p + 2 or more bits, then to nearest with p
// bits, is the value rounded to nearest once. |x| must be zero or in fp32's normal range.
MPSIM_HD_INLINE constexpr float round_to_odd_float(double x) {
  // Branch-free (zero selected at the end) so that loops over it vectorize.
  const std::uint64_t u = bits_of(x);
  const auto sign = static_cast<std::uint32_t>(u >> 63) << 31;
  const auto exponent = static_cast<std::uint32_t>(((u >> 52) & 0x7ff) - 1023 + 127);
  const auto mantissa = static_cast<std::uint32_t>((u >> 29) & 0x7fffff);
  const std::uint32_t sticky = (u & ((std::uint64_t{1} << 29) - 1)) != 0 ? 1u : 0u;
  const bool zero = (u << 1) == 0;
  return float_from_bits(zero ? sign : sign | (exponent << 23) | mantissa | sticky);
}

// Whether mac_narrow() below equals mac() for these formats: the accumulator keeps at most 21
// mantissa bits (round to odd at fp32's 24 needs 2 spare) and takes the fp32 fast path, and every
// product and sum stays inside fp32's normal range or is zero (so round_to_odd_float applies).
MPSIM_HD constexpr bool has_narrow_mac_fast_path(const MacFormats& f) {
  const double largest = f.a.max_finite() * f.b.max_finite() + f.acc.max_finite();
  const double smallest = f.a.min_positive() * f.b.min_positive();
  return f.acc.man_bits <= 21 && has_fp32_fast_path(f.acc) && largest < pow2(127) && smallest >= pow2(-126) &&
         f.acc.min_positive() >= pow2(-126);
}

// The narrow-accumulator fast path (e.g. fp16 accumulation of fp8 products), without flags:
// TwoSum gives acc + a*b = s + e exactly; rounding s to odd by e's sign keeps that information
// in 53 bits, round_to_odd_float() keeps it in 24, and the fp32 fast path rounds once to the
// accumulator format, to nearest even. a and b must be finite (callers fall back to mac()); a
// non-finite accumulator stays Inf or NaN as in mac().
// `acc_rounding` must be Fp32Quantizer(f.acc, Overflow::infinity) for IEEE overflow behaviour.
MPSIM_HD_INLINE float mac_narrow(float acc, float a, float b, const Fp32Quantizer& acc_rounding) {
  const double product = static_cast<double>(a) * static_cast<double>(b);  // exact
  const double vacc = acc;
  const double sum = vacc + product;
  const double b_virtual = sum - vacc;
  const double a_virtual = sum - b_virtual;
  const double error = (vacc - a_virtual) + (product - b_virtual);
  // Step to the odd neighbour on the side of the error when sum is even: +1 grows the magnitude.
  // Written with selects, not branches, so loops over it vectorize.
  const std::uint64_t u = bits_of(sum);
  const bool step = error != 0 && (u & 1) == 0;
  const bool grows = (error > 0) == ((u >> 63) == 0);
  const std::uint64_t odd = step ? (grows ? u + 1 : u - 1) : u;
  const float rounded = acc_rounding(round_to_odd_float(double_from_bits(odd)));
  // An Inf or NaN accumulator stays Inf or NaN (TwoSum's error is NaN then).
  return sum - sum == 0 ? rounded : acc_rounding(static_cast<float>(sum));
}

static_assert(mac(0x3f800000u, 0x3f800000u, 0x33800000u, MacFormats{}).bits == 0x3f800000u);  // 1 + 2^-24: tie to even
static_assert(mac(0x3f800001u, 0x3f800000u, 0x33800000u, MacFormats{}).bits == 0x3f800002u);  // tie, odd: up

}  // namespace mpsim
