// FloatFormat: one descriptor for every binary floating-point format mpsim simulates, from
// 1+2+1 bits (sign, exponent, mantissa) up to binary32's 1+8+23.
//
// A code is laid out as  [sign | exponent (exp_bits) | mantissa (man_bits)]  in the low
// total_bits() bits of a uint32_t. Values, with E the biased exponent field and M the mantissa:
//
//   E == 0            subnormal  (-1)^s * M/2^m * 2^(1-bias)       (zero when M == 0, or when
//                                                                  subnormals are off: DAZ)
//   0 < E <= Emax     normal     (-1)^s * (1 + M/2^m) * 2^(E-bias)
//
// What the all-ones exponent means depends on `specials` (OCP 8-bit Floating Point
// Specification v1.0 for fn; ml_dtypes / Graphcore for fnuz; QPyTorch-style for none):
//
//   specials | Inf                 | NaN                        | all-ones exponent | -0
//   ieee     | E=all ones, M=0     | E=all ones, M!=0           | Inf/NaN only      | yes
//   fn       | none                | E=all ones, M=all ones     | finite otherwise  | yes
//   fnuz     | none                | sign=1, E=0, M=0 (0x80)    | finite            | no
//   none     | none                | none                       | finite            | yes
//
// Everything else (bias, masks, max finite, min normal, ...) is derived here, constexpr, and
// checked by static_assert against the OCP / IEEE 754 constants below.
#pragma once

#include <cstdint>

#include "model/bits.hpp"
#include "model/host_device.hpp"

namespace mpsim {

enum class Specials : std::uint8_t { ieee, fn, fnuz, none };

struct FloatFormat {
  int exp_bits = 8;
  int man_bits = 23;
  int bias = 127;
  Specials specials = Specials::ieee;
  bool subnormals = true;  // false: subnormal results flush to zero, subnormal codes read as zero

  MPSIM_HD constexpr int total_bits() const { return 1 + exp_bits + man_bits; }
  MPSIM_HD constexpr std::uint32_t mantissa_mask() const { return (1u << man_bits) - 1u; }
  MPSIM_HD constexpr std::uint32_t exponent_field_max() const { return (1u << exp_bits) - 1u; }
  MPSIM_HD constexpr std::uint32_t sign_bit() const { return 1u << (exp_bits + man_bits); }
  MPSIM_HD constexpr std::uint32_t code_mask() const {
    return total_bits() == 32 ? 0xffffffffu : (1u << total_bits()) - 1u;
  }

  MPSIM_HD constexpr bool has_inf() const { return specials == Specials::ieee; }
  MPSIM_HD constexpr bool has_nan() const { return specials != Specials::none; }
  MPSIM_HD constexpr bool has_negative_zero() const { return specials != Specials::fnuz; }

  // Largest biased exponent that holds finite values: IEEE reserves the all-ones exponent.
  MPSIM_HD constexpr int max_biased_exponent() const {
    return static_cast<int>(exponent_field_max()) - (specials == Specials::ieee ? 1 : 0);
  }
  // Largest mantissa field at max_biased_exponent(): fn gives its all-ones code to NaN.
  MPSIM_HD constexpr std::uint32_t max_mantissa_at_top() const {
    return mantissa_mask() - (specials == Specials::fn ? 1u : 0u);
  }
  MPSIM_HD constexpr int emin() const { return 1 - bias; }  // exponent of the min normal
  MPSIM_HD constexpr int emax() const { return max_biased_exponent() - bias; }
  // Exponent of one unit in the last place of the smallest binade (the subnormal quantum).
  MPSIM_HD constexpr int quantum_exponent() const { return emin() - man_bits; }

  MPSIM_HD constexpr std::uint32_t max_finite_code() const {
    return (static_cast<std::uint32_t>(max_biased_exponent()) << man_bits) | max_mantissa_at_top();
  }
  MPSIM_HD constexpr std::uint32_t inf_code() const { return exponent_field_max() << man_bits; }
  // The canonical NaN each convention produces (ieee: the quiet NaN with only the top mantissa bit).
  MPSIM_HD constexpr std::uint32_t nan_code() const {
    switch (specials) {
      case Specials::ieee: return inf_code() | (1u << (man_bits - 1));
      case Specials::fn: return inf_code() | mantissa_mask();
      case Specials::fnuz: return sign_bit();
      case Specials::none: break;
    }
    return 0;  // `none` has no NaN code; callers check has_nan()
  }

  MPSIM_HD constexpr double max_finite() const {
    return static_cast<double>((std::uint64_t{1} << man_bits) | max_mantissa_at_top()) *
           pow2(emax() - man_bits);
  }
  MPSIM_HD constexpr double min_normal() const { return pow2(emin()); }
  // Smallest positive value; equals min_normal() when subnormals are off.
  MPSIM_HD constexpr double min_positive() const {
    return subnormals ? pow2(quantum_exponent()) : min_normal();
  }
  MPSIM_HD constexpr double epsilon() const { return pow2(-man_bits); }  // 1 ulp at 1.0

  constexpr bool operator==(const FloatFormat&) const = default;
};

// A format is supported when it has 1 to 8 exponent bits, 1 to 23 mantissa bits, at least 4 bits
// in all (1+2+1), and a bias that keeps every value within 2^-500..2^500, so that the exact
// product of two values (exponents add: 2^-1000..2^1000) is still a normal binary64 number, as
// mac() needs.
constexpr int kMinExpBits = 1, kMaxExpBits = 8, kMinManBits = 1, kMaxManBits = 23;
constexpr int kMaxAbsExponent = 500;
MPSIM_HD constexpr bool is_supported(const FloatFormat& f) {
  return f.exp_bits >= kMinExpBits && f.exp_bits <= kMaxExpBits && f.man_bits >= kMinManBits &&
         f.man_bits <= kMaxManBits && f.total_bits() >= 4 && f.emax() <= kMaxAbsExponent &&
         f.quantum_exponent() >= -kMaxAbsExponent && f.max_biased_exponent() >= 1;
}

// IEEE-style eXmY: bias 2^(X-1) - 1, Inf and NaN.
constexpr FloatFormat ieee_format(int exp_bits, int man_bits) {
  return {exp_bits, man_bits, (1 << (exp_bits - 1)) - 1, Specials::ieee, true};
}

// The presets, in the order every table (CLI, docs, RTL definitions file) lists them.
namespace formats {
constexpr FloatFormat fp32 = ieee_format(8, 23);
constexpr FloatFormat fp16 = ieee_format(5, 10);
constexpr FloatFormat bf16 = ieee_format(8, 7);
constexpr FloatFormat e4m3 = {4, 3, 7, Specials::fn, true};  // OCP E4M3FN
constexpr FloatFormat e5m2 = ieee_format(5, 2);              // OCP E5M2
constexpr FloatFormat e4m3fnuz = {4, 3, 8, Specials::fnuz, true};
constexpr FloatFormat e5m2fnuz = {5, 2, 16, Specials::fnuz, true};
constexpr FloatFormat fp16_169 = ieee_format(6, 9);  // HFP8's 1-6-9 (Sun et al. 2019)
// Lee, Sharma, Aiken (TMLR 2023), QPyTorch-simulated: every code finite (PAPERS.md).
constexpr FloatFormat hfp8_lo = {4, 3, 11, Specials::none, true};
constexpr FloatFormat hfp8_grad = {5, 2, 15, Specials::none, true};
constexpr FloatFormat hfp8_hi = {6, 9, 31, Specials::none, true};
}  // namespace formats

struct NamedFormat {
  const char* name;
  FloatFormat format;
  const char* description;
};

inline constexpr NamedFormat kPresets[] = {
    {"fp32", formats::fp32, "IEEE 754 binary32"},
    {"fp16", formats::fp16, "IEEE 754 binary16"},
    {"bf16", formats::bf16, "bfloat16"},
    {"e4m3", formats::e4m3, "OCP E4M3FN (alias e4m3fn)"},
    {"e5m2", formats::e5m2, "OCP E5M2"},
    {"e4m3fnuz", formats::e4m3fnuz, "E4M3, bias 8, no Inf, no -0 (ml_dtypes)"},
    {"e5m2fnuz", formats::e5m2fnuz, "E5M2, bias 16, no Inf, no -0 (ml_dtypes)"},
    {"fp16_169", formats::fp16_169, "HFP8 1-6-9, IEEE specials"},
    {"hfp8_lo", formats::hfp8_lo, "Lee et al. low, weights/activations"},
    {"hfp8_grad", formats::hfp8_grad, "Lee et al. low, activation gradients"},
    {"hfp8_hi", formats::hfp8_hi, "Lee et al. high, 1-6-9 all finite"},
};

// The OCP v1.0 and IEEE 754 constants every derivation above must reproduce.
static_assert(formats::fp32.max_finite() == 3.4028234663852886e38);
static_assert(formats::fp32.min_positive() == pow2(-149));
static_assert(formats::fp16.max_finite() == 65504.0 && formats::fp16.min_positive() == pow2(-24));
static_assert(formats::bf16.max_finite() == 3.3895313892515355e38);
static_assert(formats::e4m3.max_finite() == 448.0 && formats::e4m3.min_positive() == pow2(-9));
static_assert(formats::e4m3.max_finite_code() == 0x7e && formats::e4m3.nan_code() == 0x7f);
static_assert(formats::e5m2.max_finite() == 57344.0 && formats::e5m2.min_positive() == pow2(-16));
static_assert(formats::e5m2.inf_code() == 0x7c && formats::e5m2.nan_code() == 0x7e);
static_assert(formats::e4m3fnuz.max_finite() == 240.0 && formats::e4m3fnuz.nan_code() == 0x80);
static_assert(formats::e5m2fnuz.max_finite() == 57344.0 && formats::e5m2fnuz.min_positive() == pow2(-17));
static_assert(formats::hfp8_lo.max_finite() == 30.0 && formats::hfp8_lo.min_positive() == pow2(-13));
static_assert(formats::hfp8_grad.max_finite() == 114688.0);
static_assert(formats::hfp8_hi.max_finite() == 1023.0 * pow2(32 - 9));  // emax 63-31
static_assert(formats::fp16_169.max_finite() == 1023.0 * pow2(31 - 9));  // emax 62-31

}  // namespace mpsim
