// Rounding modes, overflow policies, IEEE-style exception flags, and the one guard/round/sticky
// decision every conversion and every MAC in mpsim goes through.
#pragma once

#include <cstdint>

#include "model/host_device.hpp"

namespace mpsim {

enum class Rounding : std::uint8_t {
  nearest_even,  // IEEE 754 roundTiesToEven; the hardware default
  nearest_away,  // roundTiesToAway; Lee et al.'s QPyTorch rounding
  toward_zero,   // roundTowardZero; never overflows to Inf (IEEE 754 section 7.4)
  stochastic,    // up with probability (discarded part / ulp), from caller-supplied random bits
};

// What a finite value that rounds beyond max finite becomes. Infinite inputs are not clamped by
// either policy (an Inf stays Inf, or NaN where the format has no Inf): OCP 8-bit FP spec v1.0,
// section 5.2, saturating vs non-saturating conversion.
enum class Overflow : std::uint8_t {
  saturate,  // +-max finite (CUDA's __NV_SATFINITE, training recipes)
  infinity,  // +-Inf; NaN for fn/fnuz; for `none` formats +-Inf outside the code set
};

// IEEE 754 section 7 exception flags, as a bit set so that a dot product can OR them together.
// Underflow is signalled when the exact result is tiny (below min normal, detected before
// rounding) and inexact. mpsim has no signalling NaNs: every NaN is quiet and propagates without
// raising invalid (as on GPUs and in the 8-bit formats, which have one NaN code or none).
struct Flags {
  static constexpr std::uint8_t kInvalid = 1, kOverflow = 2, kUnderflow = 4, kInexact = 8;
  std::uint8_t bits = 0;

  MPSIM_HD constexpr bool invalid() const { return bits & kInvalid; }
  MPSIM_HD constexpr bool overflow() const { return bits & kOverflow; }
  MPSIM_HD constexpr bool underflow() const { return bits & kUnderflow; }
  MPSIM_HD constexpr bool inexact() const { return bits & kInexact; }
  MPSIM_HD constexpr Flags& operator|=(Flags other) {
    bits |= other.bits;
    return *this;
  }
  constexpr bool operator==(const Flags&) const = default;
};

// Where the discarded part of a significand lies relative to half a unit in the last place.
// `rem` holds the discarded bits (an integer of `shift` bits) and `sticky` says the exact value
// lies strictly above rem (more nonzero bits exist below the ones kept in rem).
struct Discarded {
  std::uint64_t rem = 0;
  int shift = 0;  // number of discarded bits, >= 1
  bool sticky = false;
};

// Whether to add one unit in the last place to the truncated magnitude `kept`:
//
//   rounding      | round up when                                       | reference
//   nearest_even  | above half, or exactly half and `kept` is odd       | IEEE 754 4.3.1
//   nearest_away  | at or above half                                    | IEEE 754 4.3.1
//   toward_zero   | never                                               | IEEE 754 4.3.2
//   stochastic    | random < floor(2^32 * discarded / ulp)              | Connolly et al. 2021
//
// "above half" means rem > half, or rem == half with sticky set. Stochastic rounding compares a
// 32-bit uniform draw against the discarded fraction truncated to 32 bits, so it rounds up with
// probability within 2^-32 of the exact fraction and never moves an exact value.
MPSIM_HD constexpr bool round_up(Rounding rounding, std::uint64_t kept, Discarded d, std::uint32_t random) {
  // Discarded bits beyond 63 can only hold a value below half (callers keep rem < 2^62).
  const bool wide = d.shift > 63;
  const std::uint64_t half = wide ? 0 : std::uint64_t{1} << (d.shift - 1);
  const bool above_half = !wide && (d.rem > half || (d.rem == half && d.sticky));
  const bool at_half = !wide && d.rem == half && !d.sticky;
  switch (rounding) {
    case Rounding::nearest_even: return above_half || (at_half && (kept & 1u));
    case Rounding::nearest_away: return above_half || at_half;
    case Rounding::toward_zero: return false;
    case Rounding::stochastic: {
      std::uint64_t frac32 = 0;
      if (d.shift <= 32) frac32 = d.rem << (32 - d.shift);
      else if (d.shift - 32 < 64) frac32 = d.rem >> (d.shift - 32);
      return random < frac32;
    }
  }
  return false;
}

}  // namespace mpsim
