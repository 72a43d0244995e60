// CPU quantize, amax and exponent histogram against model/'s scalar functions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_backend.hpp"
#include "model/format_names.hpp"
#include "model/philox.hpp"
#include "tests/kernels/kernel_test_support.hpp"

using namespace mpsim;
using namespace mpsim::kernels;

namespace {

// fp32 inputs across the whole range: Gaussian at mixed scales plus specials.
std::vector<float> wide_inputs(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = std::ldexp(normal(rng), static_cast<int>(rng() % 60) - 40);
  v[0] = 0.0f;
  v[1] = -0.0f;
  v[2] = std::numeric_limits<float>::infinity();
  v[3] = -std::numeric_limits<float>::infinity();
  v[4] = std::numeric_limits<float>::quiet_NaN();
  v[5] = 1e38f;
  v[6] = 1e-45f;
  return v;
}

}  // namespace

TEST_CASE("quantize equals model/'s scalar quantize for every format and mode", "[kernels][cpu][quantize]") {
  const auto x = wide_inputs(20000, 3);
  CpuBackend cpu(2);
  Tensor in = cpu.from_host({static_cast<std::int64_t>(x.size())}, x, formats::fp32, "x");
  Tensor out = cpu.empty({static_cast<std::int64_t>(x.size())}, formats::fp32, "q");
  for (const NamedFormat& p : kPresets) {
    for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away, Rounding::toward_zero, Rounding::stochastic}) {
      for (Overflow overflow : {Overflow::saturate, Overflow::infinity}) {
        for (float scale : {1.0f, 64.0f}) {
          const QuantizeSpec spec{p.format, rounding, overflow, scale, 77, 5};
          const QuantizeCounts counts = cpu.quantize(in, out, spec);
          const auto q = cpu.to_host(out);
          const std::uint64_t stream = (std::uint64_t{5} << 32) | in.id();
          QuantizeCounts expected;
          int mismatches = 0;
          for (std::size_t i = 0; i < x.size(); ++i) {
            const float scaled = x[i] * scale;
            const Encoded e = encode(scaled, p.format, {rounding, overflow}, random_bits(77, stream, i));
            const auto value = static_cast<float>(value_of(e, p.format));
            const float want = value / scale;
            expected.overflow += e.flags.overflow() ? 1 : 0;
            expected.nan += std::isnan(value) ? 1 : 0;
            expected.underflow_to_zero += (std::isfinite(scaled) && scaled != 0 && value == 0) ? 1 : 0;
            if (!testing::same_bits(q[i], want) && mismatches++ < 3)
              FAIL_CHECK(p.name << " rounding " << int(rounding) << " input " << x[i] << ": got " << q[i] << " want " << want);
          }
          CHECK(mismatches == 0);
          CHECK(counts == expected);
          CHECK(out.format() == p.format);
        }
      }
    }
  }
}

TEST_CASE("stochastic quantize gives the same bits for any thread count and run", "[kernels][cpu][quantize]") {
  const auto x = wide_inputs(100000, 9);
  std::vector<float> runs[3];
  for (int r = 0; r < 3; ++r) {
    CpuBackend cpu(r == 0 ? 1 : 2);
    Tensor in = cpu.from_host({static_cast<std::int64_t>(x.size())}, x, formats::fp32, "x");
    Tensor out = cpu.empty({static_cast<std::int64_t>(x.size())}, formats::fp32, "q");
    cpu.quantize(in, out, {formats::e5m2, Rounding::stochastic, Overflow::saturate, 1.0f, 1234, 3});
    runs[r] = cpu.to_host(out);
  }
  // Bitwise (the inputs include a NaN, which == would never call equal).
  CHECK(std::memcmp(runs[0].data(), runs[1].data(), runs[0].size() * sizeof(float)) == 0);
  CHECK(std::memcmp(runs[1].data(), runs[2].data(), runs[1].size() * sizeof(float)) == 0);
}

TEST_CASE("quantize counts overflow, underflow to zero and NaN", "[kernels][cpu][quantize]") {
  CpuBackend cpu(1);
  // e4m3: 500 and -1e4 overflow (saturate), 1e-5 and -1e-4 flush to zero, Inf becomes NaN.
  Tensor in = cpu.from_host({6}, {500.0f, -1e4f, 1e-5f, -1e-4f, INFINITY, 1.0f}, formats::fp32, "x");
  Tensor out = cpu.empty({6}, formats::fp32, "q");
  const QuantizeCounts c = cpu.quantize(in, out, {formats::e4m3});
  CHECK(c.overflow == 2);
  CHECK(c.underflow_to_zero == 2);
  CHECK(c.nan == 1);
  CHECK(cpu.to_host(out)[0] == 448.0f);
}

// Training rounds tensors in place; the counts must describe the input, not the rounded output
// (an in-place fast path once counted from the saturated values and reported no overflow).
TEST_CASE("quantize in place gives the values and counts of quantize out of place", "[kernels][cpu][quantize]") {
  const auto x = wide_inputs(70000, 21);  // > 65536: the OpenMP path, several 4096-element blocks
  CpuBackend cpu(2);
  for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away, Rounding::stochastic}) {
    for (Overflow overflow : {Overflow::saturate, Overflow::infinity}) {
      const QuantizeSpec spec{formats::e4m3, rounding, overflow, 1.0f, 77, 5};
      Tensor in = cpu.from_host({static_cast<std::int64_t>(x.size())}, x, formats::fp32, "x");
      Tensor out = cpu.empty({static_cast<std::int64_t>(x.size())}, formats::fp32, "q");
      const QuantizeCounts apart = cpu.quantize(in, out, spec);
      const QuantizeCounts in_place = cpu.quantize(in, in, spec);
      CHECK(apart.overflow > 0);
      CHECK(in_place == apart);
      const auto a = cpu.to_host(out), b = cpu.to_host(in);
      CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("amax and the exponent histogram", "[kernels][cpu][quantize]") {
  CpuBackend cpu(2);
  Tensor t = cpu.from_host({7}, {0.0f, -3.0f, 0.75f, NAN, 1e-45f, -0.0f, 1024.0f}, formats::fp32, "x");
  CHECK(cpu.amax(t) == 1024.0f);
  Tensor nans = cpu.from_host({2}, {NAN, NAN}, formats::fp32, "n");
  CHECK(std::isnan(cpu.amax(nans)));
  const ExponentHistogram h = cpu.exponent_histogram(t);
  CHECK(h.zeros == 2);
  CHECK(h.non_finite == 1);
  CHECK(h.at(1) == 1);     // 3 = 1.5 * 2^1
  CHECK(h.at(-1) == 1);    // 0.75
  CHECK(h.at(-149) == 1);  // the fp32 min subnormal
  CHECK(h.at(10) == 1);
  std::int64_t total = h.zeros + h.non_finite;
  for (auto c : h.counts) total += c;
  CHECK(total == 7);
}

namespace {

// max |x| skipping NaN, NaN when every element is NaN: Backend::amax's definition, on the host.
float reference_amax(const std::vector<float>& v) {
  float top = 0.0f;
  bool any_number = v.empty();
  for (float x : v)
    if (x == x) {
      any_number = true;
      top = std::max(top, std::fabs(x));
    }
  return any_number ? top : std::numeric_limits<float>::quiet_NaN();
}

}  // namespace

// Training takes each rounded tensor's amax inside the quantize pass: the same amax as a pass of
// its own over the input (also when rounding in place overwrites it), the same values and counts.
TEST_CASE("quantize_with_amax: the input's amax, and quantize's values and counts, in one pass", "[kernels][cpu][quantize]") {
  CpuBackend cpu(2);
  const std::vector<std::vector<float>> inputs{
      wide_inputs(70000, 23),  // the OpenMP path, with NaN and both infinities
      wide_inputs(1000, 24),   // one block on the calling thread
      {NAN, NAN, NAN},         // all NaN: the amax is NaN
      {0.0f, -0.0f, NAN},      // zeros and NaN: 0
      {-1e-45f},               // one subnormal, rounded to zero in e4m3
  };
  for (const auto& x : inputs) {
    const auto n = static_cast<std::int64_t>(x.size());
    const float expected = reference_amax(x);
    for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away, Rounding::stochastic}) {
      for (float scale : {1.0f, 64.0f}) {
        INFO(n << " elements, rounding " << static_cast<int>(rounding) << ", scale " << scale);
        const QuantizeSpec spec{formats::e4m3, rounding, Overflow::saturate, scale, 77, 5};
        Tensor in = cpu.from_host({n}, x, formats::fp32, "x");
        Tensor out = cpu.empty({n}, formats::fp32, "q");
        Tensor reference = cpu.empty({n}, formats::fp32, "r");
        const QuantizeCounts counts = cpu.quantize(in, reference, spec);
        float apart = -1.0f, in_place = -1.0f;
        CHECK(cpu.quantize_with_amax(in, out, spec, apart) == counts);
        CHECK(cpu.quantize_with_amax(in, in, spec, in_place) == counts);
        for (float amax : {apart, in_place}) {
          if (std::isnan(expected)) CHECK(std::isnan(amax));
          else CHECK(amax == expected);
        }
        const auto r = cpu.to_host(reference), a = cpu.to_host(out), b = cpu.to_host(in);
        CHECK(std::memcmp(a.data(), r.data(), r.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(b.data(), r.data(), r.size() * sizeof(float)) == 0);
      }
    }
  }
}
