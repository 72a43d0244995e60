// Conversion between binary64 and any FloatFormat: encode (value -> code), decode (code ->
// value) and quantize (value -> nearest value of the format's value set, as a double).
//
// There is exactly one rounding routine, round_to_format(). It sees the exact input as
//
//     |x| = (S + t) * 2^e2,   S a 64-bit integer, 0 <= t < 1, t > 0 iff `sticky`,
//
// which holds any binary64 value (S = significand << 2) and also the exact sum of two doubles
// (the MAC's TwoSum, mac.hpp), so conversions and MACs round through the same code.
#pragma once

#include <cstdint>

#include "model/bits.hpp"
#include "model/float_format.hpp"
#include "model/host_device.hpp"
#include "model/rounding.hpp"

namespace mpsim {

// A value that has no code in its format: only `none` formats produce these (they have no Inf
// or NaN codes, yet an Inf or NaN input, or an overflow under Overflow::infinity, must reach
// the caller as a float, as in the QPyTorch simulation Lee et al. used).
enum class Uncoded : std::uint8_t { no, pos_inf, neg_inf, nan };

struct Encoded {
  std::uint32_t bits = 0;  // the code; meaningful when uncoded == Uncoded::no
  Flags flags;
  Uncoded uncoded = Uncoded::no;
};

struct RoundingSpec {
  Rounding rounding = Rounding::nearest_even;
  Overflow overflow = Overflow::saturate;
};

namespace detail {

MPSIM_HD constexpr Encoded make_code(const FloatFormat& f, bool negative, std::uint32_t magnitude, Flags flags) {
  const bool zero = magnitude == 0;
  const bool keep_sign = negative && (!zero || f.has_negative_zero());  // fnuz has no -0
  return {magnitude | (keep_sign ? f.sign_bit() : 0u), flags, Uncoded::no};
}

MPSIM_HD constexpr Encoded make_nan(const FloatFormat& f, Flags flags) {
  if (!f.has_nan()) return {0, flags, Uncoded::nan};
  return {f.nan_code(), flags, Uncoded::no};
}

MPSIM_HD constexpr Encoded make_inf(const FloatFormat& f, bool negative, Flags flags) {
  if (f.has_inf()) return make_code(f, negative, f.inf_code(), flags);
  if (f.specials == Specials::none) return {0, flags, negative ? Uncoded::neg_inf : Uncoded::pos_inf};
  return make_nan(f, flags);  // fn, fnuz: no Inf, the value becomes NaN
}

}  // namespace detail

// Rounds the finite nonzero magnitude (S + t) * 2^e2 (see the file comment) to format f.
// Requires S < 2^62 so that one guard bit of headroom remains.
MPSIM_HD constexpr Encoded round_to_format(const FloatFormat& f, bool negative, std::uint64_t S, bool sticky,
                                           int e2, RoundingSpec spec, std::uint32_t random = 0) {
  const int m = f.man_bits;
  const int exponent = e2 + bit_length(S) - 1;  // floor(log2 |x|)
  const bool tiny = exponent < f.emin();
  // The quantum (ulp) of the result: that of x's binade, or the subnormal quantum below emin.
  int quantum = (tiny ? f.emin() : exponent) - m;
  const int shift = quantum - e2;  // >= 1: S has >= 53 bits, the widest format keeps 24

  Discarded d{0, shift, sticky};
  std::uint64_t kept = 0;
  if (shift < 64) {
    kept = S >> shift;
    d.rem = S & ((std::uint64_t{1} << shift) - 1);
  } else {
    d.rem = S;  // every bit is discarded, and all of them lie below half an ulp
  }
  Flags flags;
  if (d.rem != 0 || sticky) flags.bits |= Flags::kInexact;
  if (tiny && flags.inexact()) flags.bits |= Flags::kUnderflow;

  kept += round_up(spec.rounding, kept, d, random) ? 1 : 0;
  if (kept == (std::uint64_t{2} << m)) {  // rounded up into the next binade: 1.11..1 -> 10.00..0
    kept >>= 1;
    ++quantum;
  }
  if (kept == 0) return detail::make_code(f, negative, 0, flags);

  const bool normal = kept >= (std::uint64_t{1} << m);
  const long biased = normal ? static_cast<long>(quantum) + m + f.bias : 0;
  const auto mantissa = static_cast<std::uint32_t>(normal ? kept - (std::uint64_t{1} << m) : kept);

  if (biased > f.max_biased_exponent() || (biased == f.max_biased_exponent() && mantissa > f.max_mantissa_at_top())) {
    flags.bits |= Flags::kOverflow | Flags::kInexact;
    // Toward zero never rounds a finite value to Inf (IEEE 754 7.4); saturate never does either.
    if (spec.rounding == Rounding::toward_zero || spec.overflow == Overflow::saturate)
      return detail::make_code(f, negative, f.max_finite_code(), flags);
    return detail::make_inf(f, negative, flags);
  }
  if (!normal && !f.subnormals) {  // flush to zero: the result would be subnormal
    flags.bits |= Flags::kUnderflow | Flags::kInexact;
    return detail::make_code(f, negative, 0, flags);
  }
  return detail::make_code(f, negative, (static_cast<std::uint32_t>(biased) << m) | mantissa, flags);
}

// Encodes the exact value x + tail, where tail is a number smaller than half an ulp of x in
// binary64 and only its sign matters (tail_sign -1, 0 or +1): TwoSum's error term in the MAC.
MPSIM_HD constexpr Encoded encode_with_tail(double x, int tail_sign, const FloatFormat& f, RoundingSpec spec,
                                            std::uint32_t random = 0) {
  const std::uint64_t b = bits_of(x);
  const bool negative = b >> 63;
  const auto field = static_cast<int>((b >> 52) & 0x7ff);
  const std::uint64_t fraction = b & ((std::uint64_t{1} << 52) - 1);
  if (field == 0x7ff) {
    if (fraction != 0) return detail::make_nan(f, Flags{});
    // An infinite input is not an overflow: no policy clamps it (rounding.hpp, Overflow).
    return detail::make_inf(f, negative, f.has_inf() || f.specials == Specials::none ? Flags{} : Flags{Flags::kInvalid});
  }
  if (field == 0 && fraction == 0) return detail::make_code(f, negative, 0, Flags{});

  // |x| = significand * 2^(exponent - 52); two extra low bits leave room to express the tail.
  const std::uint64_t significand = field == 0 ? fraction : fraction | (std::uint64_t{1} << 52);
  const int e2 = (field == 0 ? -1074 : field - 1075) - 2;
  std::uint64_t S = significand << 2;
  const bool sticky = tail_sign != 0;
  if (tail_sign != 0 && (tail_sign < 0) != negative) S -= 1;  // |x + tail| lies in (S-1, S)
  return round_to_format(f, negative, S, sticky, e2, spec, random);
}

// Rounds x once to format f (a float argument converts to double exactly first).
MPSIM_HD constexpr Encoded encode(double x, const FloatFormat& f, RoundingSpec spec = {}, std::uint32_t random = 0) {
  return encode_with_tail(x, 0, f, spec, random);
}

MPSIM_HD constexpr bool is_nan_code(std::uint32_t code, const FloatFormat& f) {
  code &= f.code_mask();
  const std::uint32_t magnitude = code & ~f.sign_bit();
  switch (f.specials) {
    case Specials::ieee: return (magnitude >> f.man_bits) == f.exponent_field_max() && (magnitude & f.mantissa_mask()) != 0;
    case Specials::fn: return magnitude == f.nan_code();
    case Specials::fnuz: return code == f.nan_code();
    case Specials::none: return false;
  }
  return false;
}

// The exact value of a code (bits above total_bits() are ignored).
MPSIM_HD constexpr double decode(std::uint32_t code, const FloatFormat& f) {
  code &= f.code_mask();
  const bool negative = code & f.sign_bit();
  const std::uint32_t field = (code >> f.man_bits) & f.exponent_field_max();
  const std::uint32_t mantissa = code & f.mantissa_mask();
  if (is_nan_code(code, f)) return quiet_nan();
  if (f.has_inf() && field == f.exponent_field_max()) return negative ? -infinity() : infinity();
  double magnitude = 0.0;
  if (field == 0) {
    magnitude = f.subnormals ? static_cast<double>(mantissa) * pow2(f.quantum_exponent()) : 0.0;
  } else {
    magnitude = static_cast<double>(mantissa | (1u << f.man_bits)) * pow2(static_cast<int>(field) - f.bias - f.man_bits);
  }
  return negative ? -magnitude : magnitude;
}

// The value an Encoded result stands for, uncoded infinities and NaN included.
MPSIM_HD constexpr double value_of(const Encoded& e, const FloatFormat& f) {
  switch (e.uncoded) {
    case Uncoded::pos_inf: return infinity();
    case Uncoded::neg_inf: return -infinity();
    case Uncoded::nan: return quiet_nan();
    case Uncoded::no: break;
  }
  return decode(e.bits, f);
}

// x rounded once to f, returned as a double (exact: every FloatFormat value is a double).
MPSIM_HD constexpr double quantize(double x, const FloatFormat& f, RoundingSpec spec = {}, std::uint32_t random = 0) {
  return value_of(encode(x, f, spec, random), f);
}

static_assert(encode(448.0, formats::e4m3).bits == 0x7e);
static_assert(encode(464.0, formats::e4m3, {Rounding::nearest_even, Overflow::infinity}).bits == 0x7e);  // tie to even
static_assert(encode(465.0, formats::e4m3, {Rounding::nearest_even, Overflow::infinity}).bits == 0x7f);  // NaN
static_assert(encode(-0.0, formats::e4m3fnuz).bits == 0x00);
static_assert(decode(0x01, formats::e4m3) == pow2(-9));
static_assert(quantize(1.0 + pow2(-4), formats::e4m3, {Rounding::nearest_away}) == 1.125);

}  // namespace mpsim
