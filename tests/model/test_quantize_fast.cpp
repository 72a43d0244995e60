// The branch-free fp32 fast path (quantize_fast.hpp) must equal the general quantize()
// bit for bit: on a strided sweep of all 2^32 fp32 patterns, on every boundary of the 8-bit
// formats, and (slow) on all 2^32 patterns.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <vector>

#include "model/format_names.hpp"
#include "model/quantize.hpp"
#include "model/quantize_fast.hpp"

using namespace mpsim;

namespace {

// Same bits, or both NaN (the fast path and decode() both produce the canonical quiet NaN,
// but the contract only promises NaN).
bool same(float a, float b) { return bits_of(a) == bits_of(b) || (std::isnan(a) && std::isnan(b)); }

// Compares fast and general for patterns first, first + stride, ... below 2^32; returns mismatches.
std::uint64_t sweep(const FloatFormat& f, Overflow overflow, std::uint64_t first, std::uint64_t stride,
                    std::uint32_t* example, Rounding rounding = Rounding::nearest_even) {
  const Fp32Quantizer fast(f, overflow, rounding);
  std::uint64_t mismatches = 0;
  for (std::uint64_t u = first; u <= 0xffffffffull; u += stride) {
    const float x = float_from_bits(static_cast<std::uint32_t>(u));
    const auto general = static_cast<float>(quantize(x, f, {rounding, overflow}));
    if (!same(fast(x), general)) {
      if (mismatches++ == 0) *example = static_cast<std::uint32_t>(u);
    }
  }
  return mismatches;
}

std::vector<FloatFormat> fast_path_formats() {
  std::vector<FloatFormat> all;
  for (const NamedFormat& p : kPresets) all.push_back(p.format);
  for (const char* name : {"e3m2", "e2m1_none", "e4m3_ftz", "e5m2_fnuz_ftz", "e8m3", "e7m2_b70", "e6m4_fn"})
    all.push_back(parse_format(name));
  return all;
}

}  // namespace

TEST_CASE("every preset and the test formats take the fast path", "[model][quantize_fast]") {
  for (const FloatFormat& f : fast_path_formats()) {
    INFO(format_name(f));
    CHECK(has_fp32_fast_path(f));
  }
  CHECK_FALSE(has_fp32_fast_path(parse_format("e8m3_b10")));   // max 2^245: beyond fp32
  CHECK_FALSE(has_fp32_fast_path(parse_format("e8m3_b130")));  // min normal 2^-129: an fp32 subnormal
}

TEST_CASE("fast path equals quantize() on a strided sweep of all fp32 patterns", "[model][quantize_fast]") {
  // A stride prime to 2^32 visits every exponent and both signs; 1/1021 of all patterns is ~4.2M.
  for (const FloatFormat& f : fast_path_formats()) {
    for (Overflow overflow : {Overflow::saturate, Overflow::infinity}) {
      for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away}) {
        std::uint32_t example = 0;
        const std::uint64_t bad = sweep(f, overflow, 12345, 1021, &example, rounding);
        INFO(format_name(f) << (overflow == Overflow::saturate ? " saturate" : " inf")
                            << (rounding == Rounding::nearest_away ? " ties away" : " nearest even")
                            << ", first input 0x" << std::hex << example);
        CHECK(bad == 0);
      }
    }
  }
}

TEST_CASE("fast path equals quantize() around every midpoint of the 8-bit formats", "[model][quantize_fast]") {
  for (const NamedFormat& p : kPresets) {
    const FloatFormat& f = p.format;
    if (f.total_bits() != 8) continue;
    for (Overflow overflow : {Overflow::saturate, Overflow::infinity})
    for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away}) {
      const Fp32Quantizer fast(f, overflow, rounding);
      for (std::uint32_t code = 0; code < 0x80; ++code) {
        const double lo = decode(code, f), hi = decode(code + 1, f);
        if (std::isnan(lo) || std::isnan(hi) || std::isinf(hi)) continue;
        // The midpoint (a tie), and the floats on either side of it; the top code's midpoint
        // toward the next binade is where overflow starts.
        const auto mid = static_cast<float>((lo + hi) / 2);
        for (float x : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
          for (float s : {x, -x}) {
            const auto general = static_cast<float>(quantize(s, f, {rounding, overflow}));
            INFO(p.name << " input " << s << (rounding == Rounding::nearest_away ? " ties away" : ""));
            CHECK(same(fast(s), general));
          }
        }
      }
      const auto beyond = static_cast<float>(f.max_finite() * (1 + f.epsilon() / 2));  // max + half ulp: a tie
      CHECK(same(fast(beyond), static_cast<float>(quantize(beyond, f, {rounding, overflow}))));
    }
  }
}

TEST_CASE("fast path equals quantize() on all 2^32 fp32 patterns", "[model][quantize_fast][.slow]") {
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  for (const NamedFormat& p : kPresets) {
    for (Overflow overflow : {Overflow::saturate, Overflow::infinity}) {
      std::vector<std::uint64_t> bad(threads);
      std::vector<std::uint32_t> example(threads);
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] { bad[t] = sweep(p.format, overflow, t, threads, &example[t]); });
      for (auto& th : pool) th.join();
      for (unsigned t = 0; t < threads; ++t) {
        INFO(p.name << " first input 0x" << std::hex << example[t]);
        CHECK(bad[t] == 0);
      }
    }
  }
}

TEST_CASE("overflow_from is the smallest magnitude that overflows under nearest even and ties away",
          "[model][quantize_fast]") {
  for (const FloatFormat& f : fast_path_formats())
  for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away}) {
    INFO(format_name(f) << (rounding == Rounding::nearest_away ? " ties away" : ""));
    const Fp32Quantizer q(f, Overflow::saturate, rounding);
    const RoundingSpec spec{rounding, Overflow::saturate};
    if (std::isinf(q.overflow_from)) {
      CHECK_FALSE(encode(std::numeric_limits<float>::max(), f, spec).flags.overflow());
      continue;
    }
    CHECK(encode(q.overflow_from, f, spec).flags.overflow());
    CHECK(encode(-q.overflow_from, f, spec).flags.overflow());
    CHECK_FALSE(encode(std::nextafter(q.overflow_from, 0.0f), f, spec).flags.overflow());
  }
}
