// Fast fp32 -> format -> fp32 quantization ("fake quantization"), round to nearest even (or
// nearest with ties away from zero, the seed paper's rounding): the path training and the
// quantize kernels take for every tensor element. It is branch-free so
// compilers vectorize it, and it must equal quantize() in quantize.hpp bit for bit (tested over
// every fp32 class in tests/model/test_quantize_fast.cpp); everything else uses quantize().
//
// Normal results use the integer rounding trick on the fp32 bit pattern u (drop = 23 - m bits):
//     u' = (u + 2^(drop-1) - 1 + ((u >> drop) & 1)) & ~(2^drop - 1)
// which adds just under half an ulp, plus one when the kept part is odd (ties to even), and lets
// the carry ripple into the exponent. Results below the format's min normal are rounded on the
// subnormal grid by the magic-constant trick: (|x| + C) - C with C = 2^(q + 23), q the quantum
// exponent, is |x| rounded to a multiple of 2^q by the FPU's own round-to-nearest-even.
// Ties away from zero: the normal path adds exactly half an ulp (2^(drop-1)) with no parity
// term; on the subnormal grid a tie that nearest-even rounded down (|x| - r == 2^q / 2, exact
// because both are multiples of |x|'s ulp) moves up one quantum.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/bits.hpp"
#include "model/float_format.hpp"
#include "model/host_device.hpp"
#include "model/rounding.hpp"

namespace mpsim {

// True when f's normal range lies inside fp32's (so the integer trick only ever sees fp32 normal
// inputs: an fp32 subnormal has a different quantum) and its subnormal grid is on fp32's. Needs
// the FPU in IEEE default rounding without flush-to-zero.
MPSIM_HD constexpr bool has_fast_rounding(Rounding r) {
  return r == Rounding::nearest_even || r == Rounding::nearest_away;
}
MPSIM_HD constexpr bool has_fp32_fast_path(const FloatFormat& f) {
  return is_supported(f) && f.emax() <= 127 && f.emin() >= -126 && f.quantum_exponent() >= -149;
}

// Constants derived once per format, outside the element loop. No bool members: GCC does not
// vectorize `bool_member & vector_compare` (a loaded bool is a byte, a compare is a mask), so
// the two format properties are stored as a float threshold and a sign mask.
struct Fp32Quantizer {
  std::uint32_t drop_mask;        // low fp32 mantissa bits the format does not keep
  std::uint32_t half_minus_one;   // 2^(drop-1) - 1, or 0 when nothing is dropped
  std::uint32_t tie_bit;          // 1 (nearest even), or 0 when nothing is dropped or ties go away
  std::uint32_t away_one;         // 1 for ties away (with half_minus_one: exactly half an ulp), else 0
  int drop;                       // 23 - man_bits
  float max_finite;
  float min_normal;
  float magic;                    // 2^(quantum_exponent + 23)
  float half_quantum;             // ties away: 2^(quantum_exponent - 1); nearest even: 0 (no effect)
  float overflow_value;           // what a finite overflow becomes (max, Inf or NaN)
  float infinity_value;           // what an infinite input becomes (Inf, or NaN without Inf)
  float flush_below;              // min_normal when subnormals flush to zero, else 0 (no effect)
  std::uint32_t zero_sign;        // sign bit a zero result keeps: 0 for fnuz (no -0), else 0x80000000
  float overflow_from;            // smallest |x| that rounds beyond max finite (+Inf: none does)

  // rounding: nearest_even or nearest_away (the two this path implements, has_fast_rounding()).
  MPSIM_HD constexpr Fp32Quantizer(const FloatFormat& f, Overflow overflow,
                                   Rounding rounding = Rounding::nearest_even)
      : drop_mask((1u << (23 - f.man_bits)) - 1u),
        half_minus_one(f.man_bits == 23 ? 0u : (1u << (22 - f.man_bits)) - 1u),
        tie_bit(f.man_bits == 23 || rounding == Rounding::nearest_away ? 0u : 1u),
        away_one(f.man_bits != 23 && rounding == Rounding::nearest_away ? 1u : 0u),
        drop(23 - f.man_bits),
        max_finite(static_cast<float>(f.max_finite())),
        min_normal(static_cast<float>(f.min_normal())),
        magic(static_cast<float>(pow2(f.quantum_exponent() + 23))),
        half_quantum(rounding == Rounding::nearest_away ? static_cast<float>(pow2(f.quantum_exponent() - 1)) : 0.0f),
        overflow_value(overflow == Overflow::saturate ? static_cast<float>(f.max_finite())
                       : (f.has_inf() || f.specials == Specials::none) ? float_from_bits(0x7f800000u)
                                                                        : float_from_bits(0x7fc00000u)),
        infinity_value((f.has_inf() || f.specials == Specials::none) ? float_from_bits(0x7f800000u)
                                                                      : float_from_bits(0x7fc00000u)),
        flush_below(f.subnormals ? 0.0f : static_cast<float>(f.min_normal())),
        zero_sign(f.has_negative_zero() ? 0x80000000u : 0u),
        overflow_from(overflow_threshold(f, rounding)) {}

  // Round to nearest even overflows from max + ulp/2 on, the tie included when max's mantissa
  // is odd (the tie then goes up): for all but fn, whose max mantissa 1..10 is even. Ties away
  // always go up, so they overflow from the tie on. Past fp32's range (fp32 itself) nothing
  // overflows.
  MPSIM_HD static constexpr float overflow_threshold(const FloatFormat& f, Rounding rounding = Rounding::nearest_even) {
    const double half_ulp = pow2(f.emax() - f.man_bits - 1);
    const bool tie_goes_up = rounding == Rounding::nearest_away || (f.max_mantissa_at_top() & 1u) != 0;
    const double from = f.max_finite() + half_ulp + (tie_goes_up ? 0.0 : pow2(f.emax() - 23));
    return from >= pow2(128) ? float_from_bits(0x7f800000u) : static_cast<float>(from);
  }

  // The rounded value, and whether a finite input rounded beyond max finite (then saturated or
  // became Inf/NaN by the overflow policy): the count kernels report.
  struct Rounded {
    float value;
    bool overflow;
  };
  MPSIM_HD_INLINE Rounded round(float x) const {
    const std::uint32_t u = bits_of(x);
    const std::uint32_t sign = u & 0x80000000u;
    const std::uint32_t a = u & 0x7fffffffu;
    const float ax = float_from_bits(a);

    const std::uint32_t rounded = (a + half_minus_one + ((a >> drop) & tie_bit) + away_one) & ~drop_mask;
    float r = float_from_bits(rounded);
    // Subnormal grid: exact because |x| < min normal <= magic, so |x| + magic stays in magic's binade.
    float sub = (ax + magic) - magic;
    sub = ax - sub == half_quantum ? sub + 2.0f * half_quantum : sub;  // ties away (0 == 0 adds 0 otherwise)
    sub = sub < flush_below ? 0.0f : sub;
    r = ax < min_normal ? sub : r;
    const bool overflow = (r > max_finite) & (a < 0x7f800000u);
    r = r > max_finite ? overflow_value : r;
    r = a == 0x7f800000u ? infinity_value : r;
    r = ax != ax ? float_from_bits(0x7fc00000u) : r;  // NaN in: the canonical quiet NaN
    const std::uint32_t out = bits_of(r);
    // NaN results carry no sign; zero results keep theirs unless the format has no -0.
    const std::uint32_t nan_mask = r != r ? 0xffffffffu : 0u;
    const std::uint32_t zero_mask = out == 0u ? 0xffffffffu : 0u;
    return {float_from_bits(out | (sign & ~nan_mask & (zero_sign | ~zero_mask))), overflow};
  }
  MPSIM_HD_INLINE float operator()(float x) const { return round(x).value; }
};

// Quantizes n floats (in may equal out). Defined in quantize_fast.cpp as target clones (SSE2,
// AVX2, AVX-512 on x86-64; the loader picks one), so one binary runs the widest vectors the CPU has.
void quantize_fp32_nearest_even(const float* in, float* out, std::size_t n, const Fp32Quantizer& q);

}  // namespace mpsim
