// Stochastic rounding with Philox bits: only ever one of the two neighbours, exact values never
// move, and unbiased: the mean error over 10^6 draws lies within 4 standard deviations of 0.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "model/format_names.hpp"
#include "model/philox.hpp"
#include "model/quantize.hpp"

using namespace mpsim;

namespace {
constexpr RoundingSpec kStochastic{Rounding::stochastic, Overflow::saturate};
}

TEST_CASE("stochastic rounding is unbiased and picks only the two neighbours", "[model][stochastic]") {
  constexpr int kDraws = 1000000;
  // Inputs at different fractions of an ulp, in normal and subnormal ranges, both signs.
  struct Case {
    const char* format;
    double x;
  };
  const Case cases[] = {
      {"e4m3", 1.0 + 0.3 * 0.125},      // 30% of the way from 1 to 1.125
      {"e4m3", -3.0 - 0.01 * 0.25},     // 1%: rarely rounds away
      {"e4m3", 0x1p-9 * 0.5},           // half of the min subnormal
      {"e5m2", 1024.0 + 0.77 * 256.0},  // 77% of the way from 1024 to 1280
      {"fp16", 0.1},
      {"bf16", 3.14159},
      {"hfp8_lo", 0.7},
  };
  for (const Case& c : cases) {
    const FloatFormat f = parse_format(c.format);
    // The two neighbours: toward zero, and the next magnitude away from zero.
    const Encoded down = encode(c.x, f, {Rounding::toward_zero, Overflow::saturate});
    const double neighbour_lo = value_of(down, f);
    const double away = std::copysign(decode((down.bits & ~f.sign_bit()) + 1, f), c.x);
    const double ulp = std::fabs(away - neighbour_lo);
    const double p_up = std::fabs(c.x - neighbour_lo) / ulp;  // exact probability of rounding away
    INFO(c.format << " x=" << c.x << " neighbours " << neighbour_lo << ", " << away << " p_up=" << p_up);

    double error_sum = 0;
    int ups = 0;
    bool only_neighbours = true;
    for (int i = 0; i < kDraws; ++i) {
      const double q = quantize(c.x, f, kStochastic, random_bits(42, 7, static_cast<std::uint64_t>(i)));
      only_neighbours &= (q == neighbour_lo || q == away);
      ups += q == away ? 1 : 0;
      error_sum += q - c.x;
    }
    CHECK(only_neighbours);
    // Each draw's error has variance p(1-p) ulp^2; the mean of n draws has sd ulp*sqrt(p(1-p)/n).
    const double sd_mean = ulp * std::sqrt(p_up * (1 - p_up) / kDraws);
    const double mean_error = error_sum / kDraws;
    CAPTURE(ups, mean_error, sd_mean);
    CHECK(std::fabs(mean_error) <= 4 * sd_mean + ulp * 0x1p-32);
  }
}

TEST_CASE("stochastic rounding leaves representable values alone and is reproducible", "[model][stochastic]") {
  for (double x : {1.0, -1.125, 448.0, 0x1p-9, 0.0}) {
    for (std::uint32_t r : {0u, 1u, 0x80000000u, 0xffffffffu}) CHECK(quantize(x, formats::e4m3, kStochastic, r) == x);
  }
  // Same seed, stream and index: same bits; any change of one of them: (almost surely) others.
  CHECK(random_bits(1, 2, 3) == random_bits(1, 2, 3));
  CHECK(random_bits(1, 2, 3) != random_bits(2, 2, 3));
  CHECK(random_bits(1, 2, 3) != random_bits(1, 3, 3));
  CHECK(random_bits(1, 2, 3) != random_bits(1, 2, 4));
}

TEST_CASE("Philox random bits are uniform enough for rounding", "[model][stochastic]") {
  // Chi-square over 16 bins of the top 4 bits, 160000 draws: 15 degrees of freedom; the 0.999
  // quantile is 37.7.
  constexpr int kBins = 16, kDraws = 160000;
  int count[kBins] = {};
  for (int i = 0; i < kDraws; ++i) ++count[random_bits(99, 0, static_cast<std::uint64_t>(i)) >> 28];
  double chi2 = 0;
  const double expected = static_cast<double>(kDraws) / kBins;
  for (int c : count) chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < 37.7);
}
