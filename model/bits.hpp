// Bit-level helpers shared by every numeric routine in model/: exact powers of two and the
// float/double <-> integer reinterpretations, usable in constexpr code, on the host and on the GPU.
#pragma once

#include <cstdint>

#include "model/host_device.hpp"

namespace mpsim {

// __builtin_bit_cast is constexpr in GCC, Clang and nvcc alike, where std::bit_cast is not
// callable from device code without --expt-relaxed-constexpr.
MPSIM_HD constexpr double double_from_bits(std::uint64_t bits) { return __builtin_bit_cast(double, bits); }
MPSIM_HD constexpr std::uint64_t bits_of(double value) { return __builtin_bit_cast(std::uint64_t, value); }
MPSIM_HD constexpr float float_from_bits(std::uint32_t bits) { return __builtin_bit_cast(float, bits); }
MPSIM_HD constexpr std::uint32_t bits_of(float value) { return __builtin_bit_cast(std::uint32_t, value); }

MPSIM_HD constexpr double infinity() { return double_from_bits(0x7ff0000000000000ull); }
MPSIM_HD constexpr double quiet_nan() { return double_from_bits(0x7ff8000000000000ull); }

// 2^e as an exact double for e in [-1074, 1023] (binary64's subnormal to largest exponent).
// std::ldexp is not constexpr before C++23, so the bit pattern is built directly.
MPSIM_HD constexpr double pow2(int e) {
  if (e >= -1022) return double_from_bits(static_cast<std::uint64_t>(e + 1023) << 52);
  return double_from_bits(std::uint64_t{1} << (e + 1074));  // binary64 subnormal
}

// Number of significant bits of x (0 for x == 0), i.e. floor(log2 x) + 1. A binary search rather
// than __builtin_clzll / __clzll so that one constexpr definition serves host and device.
MPSIM_HD constexpr int bit_length(std::uint64_t x) {
  int n = 0;
  for (int step = 32; step > 0; step /= 2) {
    if (x >> step) {
      x >>= step;
      n += step;
    }
  }
  return n + static_cast<int>(x);
}
static_assert(bit_length(0) == 0 && bit_length(1) == 1 && bit_length(0x80) == 8 && bit_length(~0ull) == 64);

}  // namespace mpsim
