// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3" (SC'11), the same one cuRAND uses. A pure function of (counter, key): any thread on
// the CPU or the GPU computes the random bits of element i without shared state, so stochastic
// rounding gives identical bits on every backend and for every thread count.
#pragma once

#include <cstdint>

#include "model/host_device.hpp"

namespace mpsim {

struct Philox4x32 {
  std::uint32_t v[4];
};

namespace detail {
constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;  // round multipliers
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;  // Weyl key increments
}  // namespace detail

// One block of four 32-bit words for counter c and key (k0, k1), after 10 rounds.
MPSIM_HD constexpr Philox4x32 philox4x32_10(Philox4x32 c, std::uint32_t k0, std::uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{detail::kPhiloxM0} * c.v[0];
    const std::uint64_t p1 = std::uint64_t{detail::kPhiloxM1} * c.v[2];
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    c = Philox4x32{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    k0 += detail::kPhiloxW0;
    k1 += detail::kPhiloxW1;
  }
  return c;
}

// The 32 random bits stochastic rounding uses for element `index` of a stream: the counter holds
// the element index (64 bits) and the stream id (e.g. tensor id and training step), the key the
// seed. Each Philox call yields four words, so elements 4j..4j+3 share one call.
MPSIM_HD constexpr std::uint32_t random_bits(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  const Philox4x32 block = philox4x32_10(
      Philox4x32{{static_cast<std::uint32_t>(index >> 2), static_cast<std::uint32_t>(index >> 34),
                  static_cast<std::uint32_t>(stream), static_cast<std::uint32_t>(stream >> 32)}},
      static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
  return block.v[index & 3];
}

// Known-answer vectors of the Random123 distribution (kat_vectors, philox4x32 10 rounds).
static_assert(philox4x32_10({{0, 0, 0, 0}}, 0, 0).v[0] == 0x6627e8d5u);
static_assert(philox4x32_10({{0, 0, 0, 0}}, 0, 0).v[3] == 0x9b00dbd8u);
static_assert(philox4x32_10({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu).v[0] ==
              0x408f276du);
static_assert(philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u).v[0] ==
              0xd16cfe09u);

}  // namespace mpsim
