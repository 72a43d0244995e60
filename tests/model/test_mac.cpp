// The MAC (model/mac.hpp): acc' = round_acc(acc + a*b) with a single rounding, nearest even
// (DESIGN.md, numerics contract). Oracles: the C library's fmaf for the fp32 accumulator (IEEE
// 754 5.4.1 fusedMultiplyAdd, one rounding), exact binary64 arithmetic for fp8 x fp8 products,
// and GNU MPFR's mpfr_fma for the fp16 accumulator. Flags and dot() are checked by hand.
#include <catch2/catch.hpp>

#include <mpfr.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "model/mac.hpp"

#include "tests/model/mpfr_exponent_range.hpp"
#include "tests/model/numerics_check.hpp"

using namespace mpsim;
using namespace mpsim::testing;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kSeed = 0x6d61632d74657374ull;  // printed with every random failure

const FloatFormat& fp16 = formats::fp16;

// The code of x in f, which must be exact (a test constant).
std::uint32_t code_of(double x, const FloatFormat& f) {
  const Encoded e = encode(x, f);
  REQUIRE(!e.flags.inexact());
  return e.bits;
}

// --- fp32 accumulator against fmaf ------------------------------------------------------------

float random_float(std::mt19937_64& rng, int min_exponent, int max_exponent) {
  const std::uint64_t r = rng();
  const int e = min_exponent + static_cast<int>(r % static_cast<std::uint64_t>(max_exponent - min_exponent + 1));
  const float significand = 1.0f + static_cast<float>((r >> 8) & 0x7fffff) * 0x1p-23f;
  const float v = std::ldexp(significand, e);  // rounds below fp32's min normal: still an input
  return (r >> 40) & 1 ? -v : v;
}

float pick_special(std::mt19937_64& rng) {
  constexpr float kValues[] = {0.0f,
                               -0.0f,
                               std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::quiet_NaN(),
                               1.0f,
                               -1.0f,
                               std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::max(),
                               -std::numeric_limits<float>::max(),
                               std::numeric_limits<float>::min()};
  const std::uint64_t r = rng();
  if (r % 16 >= std::size(kValues)) return float_from_bits(static_cast<std::uint32_t>(r >> 32));
  return kValues[r % 16];
}

struct Triple {
  float acc, a, b;
};

// Six kinds of (acc, a, b), each aimed at a part of the fused multiply-add.
Triple random_triple(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: {  // uniform bit patterns: every class, NaN and Inf included
      return {float_from_bits(static_cast<std::uint32_t>(rng())), float_from_bits(static_cast<std::uint32_t>(rng())),
              float_from_bits(static_cast<std::uint32_t>(rng()))};
    }
    case 1: {  // near cancellation: acc within a few ulps of -a*b, so the sum's bits come from
               // far below the product's rounding position
      const float a = random_float(rng, -20, 20), b = random_float(rng, -20, 20);
      const float p = a * b;
      const auto offset = static_cast<std::uint32_t>(rng() % 7);
      return {float_from_bits(bits_of(-p) + offset - 3), a, b};
    }
    case 2: {  // exact cancellation: 12-bit significands make a*b exact in fp32; acc = -a*b
      auto narrow = [&rng] { return float_from_bits(bits_of(random_float(rng, -30, 30)) & 0xfffff800u); };
      const float a = narrow(), b = narrow();
      return {-(a * b), a, b};
    }
    case 3: {  // subnormal products and accumulators (fp32 subnormals: 2^-149 .. 2^-126)
      const float a = random_float(rng, -80, -60), b = random_float(rng, -80, -60);
      const float acc = float_from_bits(static_cast<std::uint32_t>(rng()) & 0x80ffffffu);  // |acc| < 2^-125
      return {acc, a, b};
    }
    case 4: {  // near overflow
      const float a = random_float(rng, 60, 68), b = random_float(rng, 58, 63);
      return {random_float(rng, 124, 127), a, b};
    }
    default:  // signed zeros, infinities, NaN, extremes mixed with random patterns
      return {pick_special(rng), pick_special(rng), pick_special(rng)};
  }
}

// --- fp16 accumulator against MPFR --------------------------------------------------------------

struct Expected {
  double value;
  Flags flags;
};

// round_acc(acc + a*b) by mpfr_fma at the accumulator's precision, its subnormals emulated as in
// the MPFR manual (5.2, mpfr_subnormalize: emin = quantum_exponent + 1 in MPFR's [0.5, 1)
// convention), exponent unbounded above; overflow (IEEE 754 7.4) and the flags are decided here.
// The operands must lie in the emulated range (fp8 and fp16 values do, for an fp16 acc).
class MpfrMac {
 public:
  explicit MpfrMac(const FloatFormat& acc_format) : f_(acc_format) {
    mpfr_inits2(64, a_, b_, c_, static_cast<mpfr_ptr>(nullptr));
    mpfr_init2(exact_, 256);
    mpfr_init2(r_, acc_format.man_bits + 1);
  }
  ~MpfrMac() { mpfr_clears(a_, b_, c_, exact_, r_, static_cast<mpfr_ptr>(nullptr)); }
  MpfrMac(const MpfrMac&) = delete;
  MpfrMac& operator=(const MpfrMac&) = delete;

  Expected expected(double acc, double a, double b, Overflow overflow) {
    mpfr_set_d(a_, a, MPFR_RNDN);  // exact: 64 bits hold any fp16 value
    mpfr_set_d(b_, b, MPFR_RNDN);
    mpfr_set_d(c_, acc, MPFR_RNDN);
    // The exact a*b + acc, in the default (wide) exponent range: 22 + 11 bits spanning at most
    // 2^-48 .. 2^33 fit in 256 bits, so the ternary value must be 0.
    const int exact_inex = mpfr_fma(exact_, a_, b_, c_, MPFR_RNDN);
    if (mpfr_nan_p(exact_)) {
      // Inf * 0 and Inf - Inf are invalid (IEEE 754 7.2); a NaN operand propagates quietly.
      const bool invalid = !(std::isnan(a) || std::isnan(b) || std::isnan(acc));
      return {std::numeric_limits<double>::quiet_NaN(), invalid ? Flags{Flags::kInvalid} : Flags{}};
    }
    if (mpfr_inf_p(exact_)) return {mpfr_get_d(exact_, MPFR_RNDN), Flags{}};              // an infinite operand: exact
    if (exact_inex != 0) return {std::numeric_limits<double>::quiet_NaN(), Flags{0xff}};  // never: flags the bug

    int inex = 0;
    double r = 0;
    {
      const MpfrExponentRange range(f_.quantum_exponent() + 1, 4096);
      inex = mpfr_fma(r_, a_, b_, c_, MPFR_RNDN);
      inex = mpfr_subnormalize(r_, inex, MPFR_RNDN);
      r = mpfr_get_d(r_, MPFR_RNDN);
    }
    if (std::fabs(r) > f_.max_finite()) {
      const Flags flags{Flags::kOverflow | Flags::kInexact};
      return {overflow == Overflow::saturate ? std::copysign(f_.max_finite(), r) : std::copysign(kInf, r), flags};
    }
    Flags flags;
    if (inex != 0) flags.bits |= Flags::kInexact;
    // Tiny before rounding and inexact (IEEE 754 7.5; rounding.hpp's choice).
    if (inex != 0 && abs_below_pow2(exact_, f_.emin())) flags.bits |= Flags::kUnderflow;
    return {r, flags};
  }

 private:
  // |x| < 2^e, compared exactly (called in the default exponent range).
  static bool abs_below_pow2(mpfr_srcptr x, int e) {
    mpfr_t t;
    mpfr_init2(t, 2);
    mpfr_set_ui_2exp(t, 1, e, MPFR_RNDN);
    const int c = mpfr_cmpabs(x, t);
    mpfr_clear(t);
    return c < 0;
  }

  FloatFormat f_;
  mpfr_t a_, b_, c_, exact_, r_;
};

// Checks mac() against MPFR for both overflow policies.
void check_against_mpfr(MpfrMac& oracle, const MacFormats& f, std::uint32_t acc, std::uint32_t a, std::uint32_t b,
                        Mismatches& mismatches, const char* origin) {
  const double vacc = decode(acc, f.acc), va = decode(a, f.a), vb = decode(b, f.b);
  for (Overflow overflow : {Overflow::infinity, Overflow::saturate}) {
    const Expected want = oracle.expected(vacc, va, vb, overflow);
    const Encoded got = mac(acc, a, b, f, overflow);
    const double got_value = value_of(got, f.acc);
    ++mismatches.checks;
    if (!same_value(got_value, want.value) || !(got.flags == want.flags))
      mismatches.add(std::string(origin) + (overflow == Overflow::saturate ? " (saturate)" : " (infinity)") + ": acc " +
                     hex(vacc) + " + " + hex(va) + " * " + hex(vb) + ": expected " + hex(want.value) + " " +
                     flags_text(want.flags) + ", mac " + hex(got_value) + " code " + code_text(got.bits) + " " +
                     flags_text(got.flags));
  }
}

// A random code of f: uniform over all codes, NaN and Inf codes included.
std::uint32_t random_code(std::mt19937_64& rng, const FloatFormat& f) {
  return static_cast<std::uint32_t>(rng()) & f.code_mask();
}

// An fp16 accumulator near the product's magnitude (exponent within +-12 of it, random sign and
// mantissa), so the sum rounds in every relative position; zero or special products fall back
// to a uniform code.
std::uint32_t accumulator_near(std::mt19937_64& rng, double product) {
  if (!std::isfinite(product) || product == 0) return random_code(rng, fp16);
  const int e = std::ilogb(product) + static_cast<int>(rng() % 25) - 12;
  const double v = std::ldexp(1.0 + static_cast<double>(rng() & 0x3ff) * 0x1p-10, std::clamp(e, -24, 15));
  return encode((rng() & 1) ? -v : v, fp16).bits;
}

}  // namespace

// --- (a) fp32 accumulator --------------------------------------------------------------------------

TEST_CASE("fp32 mac() and mac_fp32() equal fmaf", "[model][mac]") {
  std::mt19937_64 rng(kSeed);
  Mismatches mismatches;
  constexpr long kTriples = 3'000'000;
  for (long i = 0; i < kTriples; ++i) {
    const Triple t = random_triple(rng);
    const float want = std::fma(t.a, t.b, t.acc);  // IEEE 754 fusedMultiplyAdd, one rounding
    const Encoded got = mac(bits_of(t.acc), bits_of(t.a), bits_of(t.b), MacFormats{});
    const double got_value = decode(got.bits, formats::fp32);
    const float fast = mac_fp32(t.acc, t.a, t.b);
    mismatches.checks += 2;
    if (!same_value(got_value, static_cast<double>(want)) || !same_value(static_cast<double>(fast), got_value))
      mismatches.add("acc " + hex(t.acc) + " + " + hex(t.a) + " * " + hex(t.b) + ": fmaf " + hex(want) + ", mac " +
                     hex(got_value) + " " + flags_text(got.flags) + ", mac_fp32 " + hex(fast));
  }
  INFO("seed 0x" << std::hex << kSeed);
  mismatches.report();
}

TEST_CASE("fp32 mac() follows IEEE 754's sign of zero", "[model][mac]") {
  // IEEE 754 6.3: an exact zero sum is +0 in round to nearest, -0 only when both addends are
  // -0; a nonzero result that rounds to zero keeps its sign.
  const float z = 0.0f, one = 1.0f, tiny = 0x1p-80f;
  struct Case {
    float acc, a, b;
    std::uint32_t want;
  } cases[] = {
      {z, z, one, 0x00000000u},       {-z, -z, one, 0x80000000u},
      {-z, z, one, 0x00000000u},      {z, -z, one, 0x00000000u},
      {-z, z, -one, 0x80000000u},     {1.0f, -1.0f, one, 0x00000000u},  // exact cancellation
      {-z, tiny, -tiny, 0x80000000u},                                   // -2^-160 rounds to -0 (underflow)
      {z, tiny, -tiny, 0x80000000u},  // the exact result -2^-160 is nonzero: its sign, not +0
      {z, tiny, tiny, 0x00000000u},
  };
  for (const Case& c : cases) {
    CAPTURE(c.acc, c.a, c.b);
    CHECK(mac(bits_of(c.acc), bits_of(c.a), bits_of(c.b), MacFormats{}).bits == c.want);
    CHECK(bits_of(mac_fp32(c.acc, c.a, c.b)) == c.want);
  }
}

// --- (b) fp8 x fp8 products are exact in fp32 --------------------------------------------------------

TEST_CASE("every fp8 x fp8 product lands exactly in an fp32 accumulator", "[model][mac][fp8]") {
  struct Pair {
    const char* name;
    FloatFormat a, b;
  } pairs[] = {{"e4m3 x e4m3", formats::e4m3, formats::e4m3},
               {"e4m3 x e5m2", formats::e4m3, formats::e5m2},
               {"e5m2 x e5m2", formats::e5m2, formats::e5m2},
               {"hfp8_lo x hfp8_grad", formats::hfp8_lo, formats::hfp8_grad}};
  Mismatches mismatches;
  for (const Pair& p : pairs) {
    const MacFormats f{p.a, p.b, formats::fp32};
    for (std::uint32_t a = 0; a <= 0xff; ++a) {
      for (std::uint32_t b = 0; b <= 0xff; ++b) {
        const double va = decode(a, p.a), vb = decode(b, p.b);
        for (const std::uint32_t acc : {0x00000000u, 0x80000000u}) {  // +0, and -0 for the sign rule
          const Encoded got = mac(acc, a, b, f);
          const double got_value = decode(got.bits, formats::fp32);
          Expected want{0, Flags{}};
          if (std::isnan(va) || std::isnan(vb)) {
            want = {std::numeric_limits<double>::quiet_NaN(), Flags{}};
          } else if ((std::isinf(va) && vb == 0) || (va == 0 && std::isinf(vb))) {
            want = {std::numeric_limits<double>::quiet_NaN(), Flags{Flags::kInvalid}};
          } else {
            // The product of two <= 4-bit significands is exact in binary64 (and fp32), which
            // the residual of a binary64 fma confirms; then +-0 + p is p, or the signed zero
            // of IEEE 754 6.3 when p is zero.
            const double product = va * vb;
            if (!std::isinf(product) &&
                (std::fma(va, vb, -product) != 0 || static_cast<double>(static_cast<float>(product)) != product))
              mismatches.add(std::string(p.name) + ": the test's premise fails, product " + hex(product) + " inexact");
            const bool negative_zero = acc == 0x80000000u && std::signbit(product);
            want.value = product != 0 ? product : (negative_zero ? -0.0 : 0.0);
          }
          ++mismatches.checks;
          if (!same_value(got_value, want.value) || !(got.flags == want.flags))
            mismatches.add(std::string(p.name) + " " + code_text(a) + " * " + code_text(b) + " + " + code_text(acc) +
                           ": expected " + hex(want.value) + " " + flags_text(want.flags) + ", mac " + hex(got_value) +
                           " " + flags_text(got.flags));
        }
      }
    }
  }
  mismatches.report();
  CHECK(mismatches.checks == 4 * 256 * 256 * 2);
}

// --- (c) fp16 accumulator against MPFR -----------------------------------------------------------

TEST_CASE("fp16-accumulator mac() matches mpfr_fma on random operands", "[model][mac][mpfr]") {
  const MacFormats combos[] = {{formats::e4m3, formats::e4m3, fp16},
                               {formats::e4m3, formats::e5m2, fp16},
                               {formats::e5m2, formats::e5m2, fp16},
                               {formats::e5m2, fp16, fp16},
                               {fp16, fp16, fp16}};
  std::mt19937_64 rng(kSeed ^ 0xf16);
  MpfrMac oracle(fp16);
  Mismatches mismatches;
  constexpr long kPerCombo = 300'000;
  for (const MacFormats& f : combos) {
    for (long i = 0; i < kPerCombo; ++i) {
      const std::uint32_t a = random_code(rng, f.a), b = random_code(rng, f.b);
      // Half uniform accumulators, half near the product, where the rounding is decided.
      const std::uint32_t acc =
          (rng() & 1) ? random_code(rng, fp16) : accumulator_near(rng, decode(a, f.a) * decode(b, f.b));
      check_against_mpfr(oracle, f, acc, a, b, mismatches, "random");
    }
  }
  INFO("seed 0x" << std::hex << (kSeed ^ 0xf16));
  mismatches.report();
}

TEST_CASE("fp16-accumulator mac() matches mpfr_fma at ties and near them", "[model][mac][mpfr]") {
  // For every finite fp16 accumulator: a product of exactly half its ulp (the tie: even wins),
  // just above and below half (no tie), a quarter and three quarters, and 1.5 ulp (a tie one
  // code further), with both signs. a is one ulp of acc (always an fp16 value, >= 2^-24), b
  // scales it.
  const double scales[] = {0.5, 0.5 * (1 + 0x1p-10), 0.5 * (1 - 0x1p-11), 0.25, 0.75, 1.5};
  const MacFormats f{fp16, fp16, fp16};
  MpfrMac oracle(fp16);
  Mismatches mismatches;
  for (std::uint32_t acc = 0; acc <= 0xffff; ++acc) {
    const double v = decode(acc, fp16);
    if (!std::isfinite(v)) continue;
    const int exponent = v == 0 ? -14 : std::max(std::ilogb(v), -14);
    const std::uint32_t ulp = code_of(std::ldexp(1.0, exponent - 10), fp16);
    for (double s : scales)
      for (double sign : {1.0, -1.0})
        check_against_mpfr(oracle, f, acc, ulp, code_of(sign * s, fp16), mismatches, "tie");
  }
  mismatches.report();
  CHECK(mismatches.checks == 63488L * 6 * 2 * 2);  // finite codes x scales x signs x overflow policies
}

// --- (d) flags, NaN, dot() -------------------------------------------------------------------------

TEST_CASE("mac() raises invalid, overflow, underflow and inexact as IEEE 754 section 7 says", "[model][mac]") {
  const std::uint32_t e5m2_inf = formats::e5m2.inf_code(), e5m2_zero = 0x00, e5m2_one = code_of(1.0, formats::e5m2);
  const MacFormats e5m2_fp16{formats::e5m2, formats::e5m2, fp16};
  const std::uint32_t fp16_one = code_of(1.0, fp16);

  SECTION("invalid: Inf * 0 and Inf - Inf give NaN") {
    for (const Encoded r :
         {mac(fp16_one, e5m2_inf, e5m2_zero, e5m2_fp16), mac(fp16_one, e5m2_zero, e5m2_inf, e5m2_fp16),
          mac(fp16.inf_code(), e5m2_inf | formats::e5m2.sign_bit(), e5m2_one, e5m2_fp16)}) {
      CHECK(is_nan_code(r.bits, fp16));
      CHECK(r.flags == Flags{Flags::kInvalid});
    }
    // Inf + Inf of one sign, and Inf * finite, are exact: no flag.
    const Encoded inf = mac(fp16.inf_code(), e5m2_inf, e5m2_one, e5m2_fp16);
    CHECK(inf.bits == fp16.inf_code());
    CHECK(inf.flags == Flags{});
  }
  SECTION("NaN operands propagate quietly") {
    const MacFormats e4m3_fp16{formats::e4m3, formats::e4m3, fp16};
    const std::uint32_t e4m3_nan = 0x7f, e4m3_one = code_of(1.0, formats::e4m3);
    for (const Encoded r :
         {mac(fp16.nan_code(), e4m3_one, e4m3_one, e4m3_fp16), mac(fp16_one, e4m3_nan, e4m3_one, e4m3_fp16),
          mac(fp16_one, e4m3_one, 0xffu, e4m3_fp16), mac(fp16_one, e4m3_nan, 0x00u, e4m3_fp16)}) {
      CHECK(r.bits == fp16.nan_code());  // the canonical quiet NaN 0x7e00
      CHECK(r.flags == Flags{});
    }
    // A `none` accumulator has no NaN code: the NaN comes back uncoded.
    const Encoded none = mac(0, e5m2_inf | 1u, e5m2_one, MacFormats{formats::e5m2, formats::e5m2, formats::hfp8_hi});
    CHECK(none.uncoded == Uncoded::nan);
  }
  SECTION("overflow: fp16 65504 + 448 * 448") {
    const MacFormats e4m3_fp16{formats::e4m3, formats::e4m3, fp16};
    const std::uint32_t max16 = code_of(65504.0, fp16), e4m3_448 = code_of(448.0, formats::e4m3);
    const Encoded to_inf = mac(max16, e4m3_448, e4m3_448, e4m3_fp16);
    CHECK(to_inf.bits == fp16.inf_code());
    CHECK(to_inf.flags == Flags{Flags::kOverflow | Flags::kInexact});
    const Encoded saturated = mac(max16, e4m3_448, e4m3_448, e4m3_fp16, Overflow::saturate);
    CHECK(saturated.bits == max16);
    CHECK(saturated.flags == Flags{Flags::kOverflow | Flags::kInexact});
    // 65504 + 16 = 65520 is the tie between 65504 (odd) and 2^16: it rounds up, and overflows.
    const Encoded tie = mac(max16, code_of(16.0, fp16), fp16_one, MacFormats{fp16, fp16, fp16});
    CHECK(tie.bits == fp16.inf_code());
    CHECK(tie.flags.overflow());
  }
  SECTION("underflow: tiny before rounding and inexact") {
    const MacFormats all16{fp16, fp16, fp16};
    const std::uint32_t a = code_of(0x1p-12 * (1 + 0x1p-10), fp16), b = code_of(0x1p-12, fp16);
    const Encoded inexact_tiny = mac(0, a, b, all16);  // 2^-24 (1 + 2^-10) -> 2^-24
    CHECK(inexact_tiny.bits == 0x0001);
    CHECK(inexact_tiny.flags == Flags{Flags::kUnderflow | Flags::kInexact});
    const Encoded exact_tiny = mac(0, b, b, all16);  // 2^-24 exactly: no flag at all
    CHECK(exact_tiny.bits == 0x0001);
    CHECK(exact_tiny.flags == Flags{});
    // Largest subnormal + 2^-25 is the tie with min normal and rounds up to it; tiny before
    // rounding, so underflow is raised although the result is normal.
    const Encoded to_normal = mac(0x03ff, code_of(0x1p-24, fp16), code_of(0.5, fp16), all16);
    CHECK(to_normal.bits == 0x0400);
    CHECK(to_normal.flags == Flags{Flags::kUnderflow | Flags::kInexact});
  }
  SECTION("inexact alone") {
    const Encoded r = mac(fp16_one, code_of(0x1p-12, fp16), fp16_one, MacFormats{fp16, fp16, fp16});
    CHECK(r.bits == fp16_one);
    CHECK(r.flags == Flags{Flags::kInexact});
  }
}

TEST_CASE("dot() accumulates in ascending k and ORs the flags", "[model][mac]") {
  const MacFormats all16{fp16, fp16, fp16};
  const std::uint32_t one = code_of(1.0, fp16), big = code_of(2048.0, fp16);
  const std::uint32_t ones[] = {one, one, one};

  SECTION("order matters, and dot() takes k = 0, 1, 2") {
    // In fp16 the ulp at 2048 is 2: 2048 + 1 ties back to 2048 (even) twice, while 1 + 1 + 2048
    // is exactly 2050. The array computes the first; any other order is another mode.
    const std::uint32_t big_first[] = {big, one, one};
    const std::uint32_t big_last[] = {one, one, big};
    const Encoded ascending = dot(0, big_first, 1, ones, 1, 3, all16);
    CHECK(decode(ascending.bits, fp16) == 2048.0);
    CHECK(ascending.flags == Flags{Flags::kInexact});
    const Encoded other = dot(0, big_last, 1, ones, 1, 3, all16);
    CHECK(decode(other.bits, fp16) == 2050.0);
    CHECK(other.flags == Flags{});
  }
  SECTION("flags of every step are ORed") {
    // Step 0 is inexact (1 + 2^-12), step 1 overflows (65504 * 2), step 2 is exact (Inf + 1).
    const std::uint32_t a[] = {code_of(0x1p-12, fp16), code_of(65504.0, fp16), one};
    const std::uint32_t b[] = {one, code_of(2.0, fp16), one};
    const Encoded r = dot(one, a, 1, b, 1, 3, all16);
    CHECK(r.bits == fp16.inf_code());
    CHECK(r.flags == Flags{Flags::kOverflow | Flags::kInexact});
    // Invalid from a later step joins the earlier ones.
    const std::uint32_t c[] = {code_of(0x1p-12, fp16), fp16.inf_code(), 0};
    const std::uint32_t d[] = {one, one, fp16.inf_code()};
    CHECK(dot(one, c, 1, d, 1, 3, all16).flags == Flags{Flags::kInvalid | Flags::kInexact});
  }
  SECTION("strided operands equal a loop of mac() steps") {
    // A is M x K row-major (stride 1 along k), B is K x N row-major (stride N along k).
    constexpr int M = 3, N = 4, K = 37;
    std::mt19937_64 rng(kSeed ^ 0xd07);
    const MacFormats f{formats::e4m3, formats::e5m2, fp16};
    std::vector<std::uint32_t> A(M * K), B(K * N);
    for (auto& x : A) x = random_code(rng, formats::e4m3);
    for (auto& x : B) x = random_code(rng, formats::e5m2);
    for (int i = 0; i < M; ++i) {
      for (int j = 0; j < N; ++j) {
        Encoded loop{code_of(0.25, fp16), Flags{}, Uncoded::no};
        for (int k = 0; k < K; ++k) {
          const Flags before = loop.flags;
          loop = mac(loop.bits, A[i * K + k], B[k * N + j], f);
          loop.flags |= before;
        }
        const Encoded r = dot(code_of(0.25, fp16), &A[i * K], 1, &B[j], N, K, f);
        CAPTURE(i, j);
        CHECK(r.bits == loop.bits);
        CHECK(r.flags == loop.flags);
      }
    }
  }
  SECTION("a `none` accumulator stops at an uncoded overflow") {
    // hfp8_hi has no Inf code: max + 65504^2 overflows to an uncoded +Inf, which cannot be fed
    // back; had the loop gone on, step 1 would have produced a coded 1.
    const MacFormats f{fp16, fp16, formats::hfp8_hi};
    const std::uint32_t a[] = {code_of(65504.0, fp16), one};
    const std::uint32_t b[] = {code_of(65504.0, fp16), one};
    const Encoded r = dot(formats::hfp8_hi.max_finite_code(), a, 1, b, 1, 2, f);
    CHECK(r.uncoded == Uncoded::pos_inf);
    CHECK(value_of(r, formats::hfp8_hi) == kInf);
    CHECK(r.flags == Flags{Flags::kOverflow | Flags::kInexact});
  }
}
