// FloatFormat presets against the published constants, and every code of every 8- and 16-bit
// preset through decode -> encode.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "model/format_names.hpp"
#include "model/quantize.hpp"

using namespace mpsim;

namespace {

struct Published {
  const char* name;
  double max_finite, min_normal, min_subnormal;
};

// OCP 8-bit Floating Point Specification v1.0 table 1; IEEE 754-2019 table 3.2; ml_dtypes'
// finfo for the fnuz types; Lee et al. / PAPERS.md for the hfp8 formats.
constexpr Published kPublished[] = {
    {"fp32", 3.4028234663852886e38, 0x1p-126, 0x1p-149},
    {"fp16", 65504.0, 0x1p-14, 0x1p-24},
    {"bf16", 0x1.fep127, 0x1p-126, 0x1p-133},
    {"e4m3", 448.0, 0x1p-6, 0x1p-9},
    {"e5m2", 57344.0, 0x1p-14, 0x1p-16},
    {"e4m3fnuz", 240.0, 0x1p-7, 0x1p-10},
    {"e5m2fnuz", 57344.0, 0x1p-15, 0x1p-17},
    {"fp16_169", 0x1.ff8p31, 0x1p-30, 0x1p-39},
    {"hfp8_lo", 30.0, 0x1p-10, 0x1p-13},
    {"hfp8_grad", 114688.0, 0x1p-14, 0x1p-16},
    {"hfp8_hi", 0x1.ff8p32, 0x1p-30, 0x1p-39},
};

}  // namespace

TEST_CASE("presets match the published max, min normal and min subnormal", "[model][formats]") {
  for (const Published& p : kPublished) {
    const FloatFormat f = parse_format(p.name);
    INFO(p.name);
    CHECK(f.max_finite() == p.max_finite);
    CHECK(f.min_normal() == p.min_normal);
    CHECK(f.min_positive() == p.min_subnormal);
  }
  CHECK(formats::fp32.max_finite() == std::numeric_limits<float>::max());
  CHECK(formats::fp32.epsilon() == std::numeric_limits<float>::epsilon());
  CHECK(std::size(kPublished) == std::size(kPresets));
}

TEST_CASE("special codes follow each convention", "[model][formats]") {
  // e5m2 (IEEE): 0x7c is Inf, 0x7d..0x7f NaN (OCP table 2).
  CHECK(std::isinf(decode(0x7c, formats::e5m2)));
  CHECK(decode(0xfc, formats::e5m2) == -std::numeric_limits<double>::infinity());
  for (std::uint32_t c : {0x7du, 0x7eu, 0x7fu, 0xffu}) CHECK(std::isnan(decode(c, formats::e5m2)));
  // e4m3 (fn): only S.1111.111 is NaN; 0x7e is 448 and 0x78 is 256.
  CHECK(std::isnan(decode(0x7f, formats::e4m3)));
  CHECK(std::isnan(decode(0xff, formats::e4m3)));
  CHECK(decode(0x78, formats::e4m3) == 256.0);
  // e4m3fnuz: 0x80 is the only NaN, 0x7f and 0xff are +-240.
  CHECK(std::isnan(decode(0x80, formats::e4m3fnuz)));
  CHECK(decode(0xff, formats::e4m3fnuz) == -240.0);
  // none: the all-ones codes are ordinary numbers (hfp8_lo: 0x7f = 1.875 * 2^4 = 30).
  CHECK(decode(0x7f, formats::hfp8_lo) == 30.0);
  CHECK(decode(0xff, formats::hfp8_lo) == -30.0);
}

TEST_CASE("every code of every 8- and 16-bit preset survives decode then encode", "[model][formats]") {
  for (const NamedFormat& p : kPresets) {
    const FloatFormat& f = p.format;
    if (f.total_bits() > 16) continue;
    INFO(p.name);
    std::uint32_t checked = 0;
    double previous = -std::numeric_limits<double>::infinity();
    for (std::uint32_t code = 0; code <= f.code_mask(); ++code) {
      const double v = decode(code, f);
      if (std::isnan(v)) {
        CHECK(is_nan_code(code, f));
        continue;
      }
      const Encoded back = encode(v, f);
      if (back.bits != code || back.flags.inexact() || back.uncoded != Uncoded::no) {
        FAIL_CHECK("code 0x" << std::hex << code << " decodes to " << v << " which encodes to 0x" << back.bits);
      }
      // Positive codes are ordered by value (the format is sign-magnitude).
      if (!(code & f.sign_bit())) {
        if (!(v > previous || (v == 0 && previous == -std::numeric_limits<double>::infinity())))
          FAIL_CHECK("code 0x" << std::hex << code << " is not above its predecessor");
        previous = v;
      }
      ++checked;
    }
    // Every code is a number except: ieee 2*(2^m - 1) NaNs; fn 2 NaNs; fnuz 1; none 0.
    const std::uint32_t codes = f.code_mask() + 1;
    const std::uint32_t nans = f.specials == Specials::ieee ? 2 * f.mantissa_mask()
                               : f.specials == Specials::fn ? 2u
                               : f.specials == Specials::fnuz ? 1u : 0u;
    CHECK(checked == codes - nans);
  }
}

TEST_CASE("fnuz has no negative zero and none has no infinity code", "[model][formats]") {
  CHECK(encode(-0.0, formats::e5m2fnuz).bits == 0x00);
  CHECK(encode(-1e-30, formats::e4m3fnuz).bits == 0x00);  // rounds to zero: +0, not 0x80 (NaN)
  CHECK(encode(-0.0, formats::e4m3).bits == 0x80);
  const Encoded inf = encode(std::numeric_limits<double>::infinity(), formats::hfp8_grad);
  CHECK(inf.uncoded == Uncoded::pos_inf);
  CHECK(value_of(inf, formats::hfp8_grad) == std::numeric_limits<double>::infinity());
  CHECK(encode(std::nan(""), formats::hfp8_lo).uncoded == Uncoded::nan);
}

TEST_CASE("subnormals off flush results and read subnormal codes as zero", "[model][formats]") {
  const FloatFormat ftz = parse_format("e4m3_fn_ftz");
  CHECK(decode(0x01, ftz) == 0.0);  // the e4m3 min subnormal code reads as zero (DAZ)
  const Encoded tiny = encode(0x1p-9, ftz);
  CHECK(tiny.bits == 0x00);
  CHECK(tiny.flags.underflow());
  CHECK(encode(-0x1p-8, ftz).bits == 0x80);  // -0 kept
  CHECK(encode(0x1p-6, ftz).bits == 0x08);   // min normal unaffected
  CHECK(ftz.min_positive() == ftz.min_normal());
}
