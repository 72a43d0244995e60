// The MAC fast paths against the general mac(): mac_fp32() (fma) for fp32 accumulators and
// mac_narrow() (TwoSum + round to odd + fp32 fast path) for narrow accumulators such as fp16.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "model/format_names.hpp"
#include "model/mac.hpp"

using namespace mpsim;

namespace {

// Every code of a format that is a finite number.
std::vector<std::uint32_t> finite_codes(const FloatFormat& f) {
  std::vector<std::uint32_t> codes;
  for (std::uint32_t c = 0; c <= f.code_mask(); ++c)
    if (std::isfinite(decode(c, f))) codes.push_back(c);
  return codes;
}

bool same(float a, float b) { return bits_of(a) == bits_of(b) || (std::isnan(a) && std::isnan(b)); }

}  // namespace

TEST_CASE("round_to_odd_float truncates and marks inexactness in the last bit", "[model][mac]") {
  CHECK(round_to_odd_float(1.0) == 1.0f);
  CHECK(bits_of(round_to_odd_float(1.0 + 0x1p-30)) == 0x3f800001u);  // inexact: odd
  CHECK(bits_of(round_to_odd_float(1.0 + 0x1p-23)) == 0x3f800001u);  // exact, already odd
  CHECK(bits_of(round_to_odd_float(1.0 + 0x1p-22 + 0x1p-40)) == 0x3f800003u);
  CHECK(bits_of(round_to_odd_float(-0.0)) == 0x80000000u);
  CHECK(bits_of(round_to_odd_float(-(1.0 + 0x1p-30))) == 0xbf800001u);
}

TEST_CASE("which format triples take the narrow fast path", "[model][mac]") {
  CHECK(has_narrow_mac_fast_path({formats::e4m3, formats::e5m2, formats::fp16}));
  CHECK(has_narrow_mac_fast_path({formats::fp16, formats::fp16, formats::fp16}));
  CHECK(has_narrow_mac_fast_path({formats::e4m3, formats::e4m3, formats::bf16}) == false);  // bf16 acc range
  CHECK_FALSE(has_narrow_mac_fast_path({formats::bf16, formats::bf16, formats::fp16}));     // products past 2^127
  CHECK_FALSE(has_narrow_mac_fast_path({formats::fp16, formats::fp16, formats::fp32}));     // 23 > 21 bits
}

TEST_CASE("mac_narrow equals mac for fp16 accumulation of every e4m3 x e5m2 product", "[model][mac]") {
  const MacFormats f{formats::e4m3, formats::e5m2, formats::fp16};
  REQUIRE(has_narrow_mac_fast_path(f));
  const Fp32Quantizer acc_rounding(f.acc, Overflow::infinity);
  // Accumulators: zeros, subnormals, values near 1, ties' neighbourhoods, large, near max.
  const std::uint32_t accs[] = {0x0000, 0x8000, 0x0001, 0x83ff, 0x0400, 0x3c00, 0xbc01, 0x4a3f, 0x6400, 0x7bff, 0xfbff, 0x1234};
  std::uint64_t mismatches = 0;
  for (std::uint32_t a : finite_codes(f.a))
    for (std::uint32_t b : finite_codes(f.b))
      for (std::uint32_t acc : accs) {
        const Encoded general = mac(acc, a, b, f);
        const float fast = mac_narrow(static_cast<float>(decode(acc, f.acc)), static_cast<float>(decode(a, f.a)),
                                      static_cast<float>(decode(b, f.b)), acc_rounding);
        if (!same(fast, static_cast<float>(value_of(general, f.acc))) && mismatches++ < 5)
          FAIL_CHECK(std::hex << "acc 0x" << acc << " a 0x" << a << " b 0x" << b << ": mac 0x" << general.bits
                              << ", mac_narrow " << fast);
      }
  CHECK(mismatches == 0);
}

TEST_CASE("mac_narrow equals mac on random triples of narrow-accumulator formats", "[model][mac]") {
  const MacFormats triples[] = {{formats::fp16, formats::fp16, formats::fp16},
                                {formats::e5m2, formats::e5m2, formats::fp16},
                                {formats::hfp8_lo, formats::hfp8_grad, formats::hfp8_hi}};  // Lee et al.
  std::mt19937_64 rng(2024);
  for (const MacFormats& f : triples) {
    INFO(format_name(f.a) << " x " << format_name(f.b) << " + " << format_name(f.acc));
    REQUIRE(has_narrow_mac_fast_path(f));
    const Fp32Quantizer acc_rounding(f.acc, Overflow::infinity);
    const auto codes_a = finite_codes(f.a), codes_b = finite_codes(f.b), codes_acc = finite_codes(f.acc);
    std::uint64_t mismatches = 0;
    for (int i = 0; i < 1000000; ++i) {
      const std::uint32_t a = codes_a[rng() % codes_a.size()], b = codes_b[rng() % codes_b.size()];
      const std::uint32_t acc = codes_acc[rng() % codes_acc.size()];
      const Encoded general = mac(acc, a, b, f);
      const float fast = mac_narrow(static_cast<float>(decode(acc, f.acc)), static_cast<float>(decode(a, f.a)),
                                    static_cast<float>(decode(b, f.b)), acc_rounding);
      if (!same(fast, static_cast<float>(value_of(general, f.acc))) && mismatches++ < 5)
        FAIL_CHECK(std::hex << "acc 0x" << acc << " a 0x" << a << " b 0x" << b << ": mac 0x" << general.bits
                            << ", mac_narrow " << fast);
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("mac_fp32 equals mac for an fp32 accumulator", "[model][mac]") {
  const MacFormats f{formats::e4m3, formats::bf16, formats::fp32};
  std::mt19937_64 rng(7);
  const auto codes_a = finite_codes(f.a), codes_b = finite_codes(f.b);
  std::uint64_t mismatches = 0;
  for (int i = 0; i < 1000000; ++i) {
    const std::uint32_t a = codes_a[rng() % codes_a.size()], b = codes_b[rng() % codes_b.size()];
    // Accumulators from the whole fp32 range but NaN: random exponent, random mantissa.
    std::uint32_t acc = static_cast<std::uint32_t>(rng());
    if ((acc & 0x7f800000u) == 0x7f800000u) acc &= 0xbfffffffu;
    const Encoded general = mac(acc, a, b, f);
    const float fast = mac_fp32(float_from_bits(acc), static_cast<float>(decode(a, f.a)), static_cast<float>(decode(b, f.b)));
    if (!same(fast, float_from_bits(general.bits)) && mismatches++ < 5)
      FAIL_CHECK(std::hex << "acc 0x" << acc << " a 0x" << a << " b 0x" << b << ": mac 0x" << general.bits << ", fma "
                          << fast);
  }
  CHECK(mismatches == 0);
}

TEST_CASE("mac stays exact at the edges of the supported exponent range", "[model][mac]") {
  // is_supported() keeps values within 2^-500..2^500 so that products remain normal doubles.
  const FloatFormat huge = parse_format("e8m3_b-240"), tiny = parse_format("e8m3_b400");
  CHECK_THROWS(parse_format("e8m3_b-300"));
  // max * max is about 2^990: far beyond fp32, yet exact in double, so the overflow is seen.
  const Encoded big = mac(0, huge.max_finite_code(), huge.max_finite_code(), {huge, huge, formats::fp32}, Overflow::saturate);
  CHECK(big.bits == 0x7f7fffffu);
  CHECK(big.flags.overflow());
  // min subnormal * -min subnormal = -2^-804: exact in double, underflows fp32 to -0.
  const Encoded small = mac(0, 0x001, 0x801, {tiny, tiny, formats::fp32});
  CHECK(small.bits == 0x80000000u);
  CHECK(small.flags.underflow());
  CHECK(small.flags.inexact());
}
