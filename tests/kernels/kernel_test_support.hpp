// Helpers shared by the kernels tests: seeded tensors whose values lie in a given format, with
// optional specials, and bitwise comparison.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/backend.hpp"
#include "model/quantize.hpp"

namespace mpsim::kernels::testing {

struct ValueMix {
  double scale = 1.0;      // Gaussian spread before rounding
  double specials = 0.0;   // share of Inf/NaN/zero/subnormal entries
};

// n values of format f: Gaussian N(0, scale^2) rounded to f, plus specials where f has them.
inline std::vector<float> values_in(const FloatFormat& f, std::size_t n, std::uint64_t seed, ValueMix mix = {}) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, mix.scale);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<float> v(n);
  for (float& x : v) {
    double value = normal(rng);
    if (unit(rng) < mix.specials) {
      switch (rng() % 5) {
        case 0: value = f.has_inf() ? INFINITY : 0.0; break;
        case 1: value = f.has_nan() ? NAN : -0.0; break;
        case 2: value = -0.0; break;
        case 3: value = f.min_positive() * static_cast<double>(rng() % 4); break;  // subnormals
        default: value = -f.max_finite(); break;
      }
    }
    x = static_cast<float>(quantize(value, f));
  }
  return v;
}

// Bitwise equality: NaN results are model/'s canonical quiet NaN on every path, so even they must match.
inline bool same_bits(float a, float b) { return bits_of(a) == bits_of(b); }

}  // namespace mpsim::kernels::testing
