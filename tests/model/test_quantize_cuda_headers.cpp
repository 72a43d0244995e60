// encode()/decode() for e4m3, e5m2, fp16 and bf16 against the host-side conversions of CUDA's
// cuda_fp8.h, cuda_fp16.h and cuda_bf16.h: the second independent oracle of DESIGN.md. Outside
// nvcc these headers compile their host branches (NV_IF_ELSE_TARGET / __CUDA_ARCH__ pick the
// plain C++ code), so no GPU is needed; tests/CMakeLists.txt builds this file only when
// /usr/local/cuda/include exists.
//
// What the host code does, read in CUDA 13's headers (this is what the tests below rely on):
//   __nv_cvt_double_to_fp8   rounds the binary64 bits to nearest even in one step (no
//                            intermediate format); NaN -> 0x7f (e4m3) / 0x7e|mantissa (e5m2),
//                            sign kept; |x| > 464 (e4m3) or >= 61440 (e5m2) overflows.
//   __nv_cvt_float_to_fp8, __nv_cvt_halfraw_to_fp8, __nv_cvt_bfloat16raw_to_fp8
//                            widen exactly to double and call the above.
//   __double2half            pre-rounds to 11 bits with an add-and-subtract shifter in binary64,
//                            then converts exactly via float: a single rounding.
//   __double2bfloat16        rounds to float, then replaces an inexact float by its truncation
//                            with the last bit set (round to odd, 24 >= 2 * 8 + 2 bits), then
//                            rounds to bf16: a single rounding overall.
//   __float2half, __float2bfloat16   integer round-to-nearest-even on the float bits.
//   __nv_cvt_fp8_to_halfraw, __half2float, __bfloat162float   exact widening.
//
// The one documented difference (rounding.hpp, Overflow): saturation clamps finite values only,
// an infinite input stays infinite (NaN where the format has no Inf), while __NV_SATFINITE
// clamps it to +-max finite too. The comparison below allows exactly that and nothing else.
// NaN codes are compared as "both NaN": CUDA returns 0x7fff for fp16/bf16 and keeps the input's
// sign and low bits for fp8, where the model returns its canonical NaN (float_format.hpp).
#include <catch2/catch.hpp>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "model/quantize.hpp"

#include "tests/model/numerics_check.hpp"

using namespace mpsim;
using namespace mpsim::testing;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kSeed = 0x637564612d686472ull;  // printed with every random failure

// --- the CUDA side, one function per conversion -----------------------------------------------

std::uint32_t cuda_double_e4m3_sat(double x) { return __nv_cvt_double_to_fp8(x, __NV_SATFINITE, __NV_E4M3); }
std::uint32_t cuda_double_e4m3_nosat(double x) { return __nv_cvt_double_to_fp8(x, __NV_NOSAT, __NV_E4M3); }
std::uint32_t cuda_double_e5m2_sat(double x) { return __nv_cvt_double_to_fp8(x, __NV_SATFINITE, __NV_E5M2); }
std::uint32_t cuda_double_e5m2_nosat(double x) { return __nv_cvt_double_to_fp8(x, __NV_NOSAT, __NV_E5M2); }
std::uint32_t cuda_double_fp16(double x) { return static_cast<__half_raw>(__double2half(x)).x; }
std::uint32_t cuda_double_bf16(double x) { return static_cast<__nv_bfloat16_raw>(__double2bfloat16(x)).x; }

// Float-input conversions; only called with doubles that are exactly floats.
float as_float(double x) { return static_cast<float>(x); }
std::uint32_t cuda_float_e4m3_sat(double x) { return __nv_cvt_float_to_fp8(as_float(x), __NV_SATFINITE, __NV_E4M3); }
std::uint32_t cuda_float_e4m3_nosat(double x) { return __nv_cvt_float_to_fp8(as_float(x), __NV_NOSAT, __NV_E4M3); }
std::uint32_t cuda_float_e5m2_sat(double x) { return __nv_cvt_float_to_fp8(as_float(x), __NV_SATFINITE, __NV_E5M2); }
std::uint32_t cuda_float_e5m2_nosat(double x) { return __nv_cvt_float_to_fp8(as_float(x), __NV_NOSAT, __NV_E5M2); }
std::uint32_t cuda_float_fp16(double x) { return static_cast<__half_raw>(__float2half(as_float(x))).x; }
std::uint32_t cuda_float_bf16(double x) { return static_cast<__nv_bfloat16_raw>(__float2bfloat16(as_float(x))).x; }

struct Conversion {
  const char* name;
  FloatFormat format;
  Overflow overflow;  // the model policy CUDA's follows for finite inputs
  bool satfinite;     // CUDA also clamps infinite inputs (the documented difference)
  bool float_input;   // the CUDA function takes a float
  std::uint32_t (*cuda)(double);
};

// __double2half / __double2bfloat16 and their float versions are IEEE conversions: overflow to Inf.
constexpr Conversion kConversions[] = {
    {"__nv_cvt_double_to_fp8 e4m3 satfinite", formats::e4m3, Overflow::saturate, true, false, cuda_double_e4m3_sat},
    {"__nv_cvt_double_to_fp8 e4m3 nosat", formats::e4m3, Overflow::infinity, false, false, cuda_double_e4m3_nosat},
    {"__nv_cvt_double_to_fp8 e5m2 satfinite", formats::e5m2, Overflow::saturate, true, false, cuda_double_e5m2_sat},
    {"__nv_cvt_double_to_fp8 e5m2 nosat", formats::e5m2, Overflow::infinity, false, false, cuda_double_e5m2_nosat},
    {"__double2half", formats::fp16, Overflow::infinity, false, false, cuda_double_fp16},
    {"__double2bfloat16", formats::bf16, Overflow::infinity, false, false, cuda_double_bf16},
    {"__nv_cvt_float_to_fp8 e4m3 satfinite", formats::e4m3, Overflow::saturate, true, true, cuda_float_e4m3_sat},
    {"__nv_cvt_float_to_fp8 e4m3 nosat", formats::e4m3, Overflow::infinity, false, true, cuda_float_e4m3_nosat},
    {"__nv_cvt_float_to_fp8 e5m2 satfinite", formats::e5m2, Overflow::saturate, true, true, cuda_float_e5m2_sat},
    {"__nv_cvt_float_to_fp8 e5m2 nosat", formats::e5m2, Overflow::infinity, false, true, cuda_float_e5m2_nosat},
    {"__float2half", formats::fp16, Overflow::infinity, false, true, cuda_float_fp16},
    {"__float2bfloat16", formats::bf16, Overflow::infinity, false, true, cuda_float_bf16},
};

// --- comparison -------------------------------------------------------------------------------

// The code CUDA must return for x, derived from the model's result.
bool cuda_agrees(const Conversion& c, double x, std::uint32_t cuda_code, std::uint32_t model_code) {
  const FloatFormat& f = c.format;
  if (std::isinf(x) && c.satfinite) {
    // The documented difference: __NV_SATFINITE clamps Inf to +-max finite, the model does not
    // (it gives NaN for e4m3, Inf for e5m2, as __NV_NOSAT does).
    const std::uint32_t model_expected = f.has_inf() ? (f.inf_code() | (x < 0 ? f.sign_bit() : 0u)) : f.nan_code();
    return model_code == model_expected && cuda_code == (f.max_finite_code() | (x < 0 ? f.sign_bit() : 0u));
  }
  if (is_nan_code(model_code, f)) return is_nan_code(cuda_code, f);
  return cuda_code == model_code;
}

void compare(const Conversion& c, double x, Mismatches& mismatches, const char* origin) {
  if (c.float_input && static_cast<double>(static_cast<float>(x)) != x && !std::isnan(x)) return;
  const std::uint32_t model_code = encode(x, c.format, {Rounding::nearest_even, c.overflow}).bits;
  const std::uint32_t cuda_code = c.cuda(x);
  ++mismatches.checks;
  if (!cuda_agrees(c, x, cuda_code, model_code))
    mismatches.add(std::string(c.name) + ": input " + hex(x) + " (" + origin + "): model " + code_text(model_code) +
                   " = " + hex(decode(model_code, c.format)) + ", CUDA " + code_text(cuda_code) + " = " +
                   hex(decode(cuda_code, c.format)));
}

// Every finite value of f, the midpoint of every pair of neighbours, and the doubles and floats
// just either side of both; both signs; plus zeros, infinities, NaN and values far outside.
std::vector<double> grid_inputs(const FloatFormat& f) {
  std::vector<double> pos;
  const std::uint32_t top = f.max_finite_code();
  for (std::uint32_t code = 0; code <= top; ++code) {
    const double v = decode(code, f);
    // Past max the "next value" is where the unbounded format would continue: max + ulp.
    const double next = code < top ? decode(code + 1, f) : v + pow2(f.emax() - f.man_bits);
    const double mid = v + (next - v) / 2;  // exact: one bit more than the format
    for (double x : {v, mid}) {
      pos.push_back(x);
      pos.push_back(std::nextafter(x, kInf));
      pos.push_back(std::nextafter(x, 0.0));
      const float xf = static_cast<float>(x);
      pos.push_back(static_cast<double>(std::nextafterf(xf, std::numeric_limits<float>::infinity())));
      pos.push_back(static_cast<double>(std::nextafterf(xf, 0.0f)));
    }
    pos.push_back(next);
  }
  for (double x :
       {0.0, kInf, std::numeric_limits<double>::quiet_NaN(), 1e300, std::numeric_limits<double>::max(),
        std::numeric_limits<double>::denorm_min(), 1e-300, static_cast<double>(std::numeric_limits<float>::max()),
        static_cast<double>(std::numeric_limits<float>::denorm_min())})
    pos.push_back(x);
  std::vector<double> all;
  for (double x : pos) {
    all.push_back(x);
    all.push_back(-x);
  }
  return all;
}

// Random doubles: a third uniform 64-bit patterns, a third uniform 32-bit float patterns, a third
// with a full 52-bit significand and an exponent in [-30, 20], the span of all four formats.
double random_double(std::mt19937_64& rng) {
  const std::uint64_t bits = rng();
  switch (rng() % 3) {
    case 0:
      return double_from_bits(bits);
    case 1:
      return static_cast<double>(float_from_bits(static_cast<std::uint32_t>(bits)));
    default: {
      const int e = static_cast<int>(rng() % 51) - 30;
      const double v = std::ldexp(1.0 + static_cast<double>(bits & 0xfffffffffffffull) * 0x1p-52, e);
      return (bits >> 63) ? -v : v;
    }
  }
}

}  // namespace

TEST_CASE("CUDA header conversions agree with encode() on every value, midpoint and neighbour",
          "[model][cuda_headers]") {
  Mismatches mismatches;
  for (const FloatFormat& grid : {formats::e4m3, formats::e5m2, formats::fp16, formats::bf16}) {
    // Each grid goes through every conversion: fp16's midpoints are e5m2's too, and so on.
    for (double x : grid_inputs(grid))
      for (const Conversion& c : kConversions) compare(c, x, mismatches, "grid");
  }
  mismatches.report();
  CHECK(mismatches.checks > 5'000'000);
}

TEST_CASE("CUDA header conversions agree with encode() on random inputs", "[model][cuda_headers]") {
  std::mt19937_64 rng(kSeed);
  Mismatches mismatches;
  constexpr long kInputs = 2'000'000;
  for (long i = 0; i < kInputs; ++i) {
    const double x = random_double(rng);
    for (const Conversion& c : kConversions) compare(c, x, mismatches, "random");
  }
  INFO("seed 0x" << std::hex << kSeed);
  mismatches.report();
}

TEST_CASE("CUDA saturation clamps infinities, the model's does not", "[model][cuda_headers]") {
  // The documented difference, spelled out (OCP 8-bit FP spec v1.0 5.2 vs __NV_SATFINITE).
  CHECK(__nv_cvt_double_to_fp8(kInf, __NV_SATFINITE, __NV_E4M3) == 0x7e);
  CHECK(__nv_cvt_double_to_fp8(-kInf, __NV_SATFINITE, __NV_E5M2) == 0xfb);
  CHECK(encode(kInf, formats::e4m3, {Rounding::nearest_even, Overflow::saturate}).bits == 0x7f);
  CHECK(encode(-kInf, formats::e5m2, {Rounding::nearest_even, Overflow::saturate}).bits == 0xfc);
  // Finite overflow saturates in both.
  CHECK(__nv_cvt_double_to_fp8(465.0, __NV_SATFINITE, __NV_E4M3) == 0x7e);
  CHECK(encode(465.0, formats::e4m3, {Rounding::nearest_even, Overflow::saturate}).bits == 0x7e);
  // And the tie at the top: 464 to 448 (even), 61440 to Inf (57344 = 1.11b * 2^15 is odd).
  CHECK(__nv_cvt_double_to_fp8(464.0, __NV_NOSAT, __NV_E4M3) == 0x7e);
  CHECK(__nv_cvt_double_to_fp8(61440.0, __NV_NOSAT, __NV_E5M2) == 0x7c);
  CHECK(encode(61440.0, formats::e5m2, {Rounding::nearest_even, Overflow::infinity}).bits == 0x7c);
}

TEST_CASE("fp16 and bf16 codes convert to fp8 as the CUDA headers do", "[model][cuda_headers]") {
  // __nv_cvt_halfraw_to_fp8 / __nv_cvt_bfloat16raw_to_fp8 for every 16-bit code: the model's
  // encode(decode(code)) must give the same fp8 code (the widening to double is exact).
  Mismatches mismatches;
  for (std::uint32_t code = 0; code <= 0xffff; ++code) {
    const auto raw16 = static_cast<unsigned short>(code);
    const double from_half = decode(code, formats::fp16), from_bf16 = decode(code, formats::bf16);
    for (const auto sat : {__NV_SATFINITE, __NV_NOSAT}) {
      for (const auto interp : {__NV_E4M3, __NV_E5M2}) {
        const Conversion c{"",
                           interp == __NV_E4M3 ? formats::e4m3 : formats::e5m2,
                           sat == __NV_SATFINITE ? Overflow::saturate : Overflow::infinity,
                           sat == __NV_SATFINITE,
                           false,
                           nullptr};
        const RoundingSpec spec{Rounding::nearest_even, c.overflow};
        __half_raw h;
        h.x = raw16;
        __nv_bfloat16_raw b;
        b.x = raw16;
        const std::uint32_t cuda_h = __nv_cvt_halfraw_to_fp8(h, sat, interp);
        const std::uint32_t cuda_b = __nv_cvt_bfloat16raw_to_fp8(b, sat, interp);
        const std::uint32_t model_h = encode(from_half, c.format, spec).bits;
        const std::uint32_t model_b = encode(from_bf16, c.format, spec).bits;
        mismatches.checks += 2;
        if (!cuda_agrees(c, from_half, cuda_h, model_h))
          mismatches.add("__nv_cvt_halfraw_to_fp8 " + code_text(code) + ": model " + code_text(model_h) + ", CUDA " +
                         code_text(cuda_h));
        if (!cuda_agrees(c, from_bf16, cuda_b, model_b))
          mismatches.add("__nv_cvt_bfloat16raw_to_fp8 " + code_text(code) + ": model " + code_text(model_b) +
                         ", CUDA " + code_text(cuda_b));
      }
    }
  }
  mismatches.report();
}

TEST_CASE("decoding every fp8, fp16 and bf16 code agrees with the CUDA headers", "[model][cuda_headers]") {
  // Widening is exact, so values are compared bit for bit; NaN only as NaN (CUDA's canonical
  // fp16 NaN is 0x7fff, the model's 0x7e00).
  Mismatches mismatches;
  auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || bits_of(a) == bits_of(b); };
  for (std::uint32_t code = 0; code <= 0xff; ++code) {
    for (const auto interp : {__NV_E4M3, __NV_E5M2}) {
      const FloatFormat& f = interp == __NV_E4M3 ? formats::e4m3 : formats::e5m2;
      const __half_raw h = __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(code), interp);
      const double cuda_value = static_cast<double>(__half2float(__half(h)));
      // The model's fp8 -> fp16 conversion: decode, then encode exactly into fp16.
      const Encoded model_half = encode(decode(code, f), formats::fp16);
      mismatches.checks += 2;
      if (!same(cuda_value, decode(code, f)))
        mismatches.add(std::string(interp == __NV_E4M3 ? "e4m3 " : "e5m2 ") + code_text(code) + ": model " +
                       hex(decode(code, f)) + ", CUDA " + hex(cuda_value));
      const bool half_ok = is_nan_code(model_half.bits, formats::fp16)
                               ? is_nan_code(h.x, formats::fp16)
                               : model_half.bits == h.x && model_half.flags == Flags{};
      if (!half_ok)
        mismatches.add(std::string(interp == __NV_E4M3 ? "e4m3 " : "e5m2 ") + code_text(code) + " to fp16: model " +
                       code_text(model_half.bits) + ", CUDA " + code_text(h.x));
    }
  }
  for (std::uint32_t code = 0; code <= 0xffff; ++code) {
    __half_raw h;
    h.x = static_cast<unsigned short>(code);
    __nv_bfloat16_raw b;
    b.x = static_cast<unsigned short>(code);
    const double cuda_half = static_cast<double>(__half2float(__half(h)));
    const double cuda_bf16 = static_cast<double>(__bfloat162float(__nv_bfloat16(b)));
    mismatches.checks += 2;
    if (!same(cuda_half, decode(code, formats::fp16)))
      mismatches.add("fp16 " + code_text(code) + ": model " + hex(decode(code, formats::fp16)) + ", CUDA " +
                     hex(cuda_half));
    if (!same(cuda_bf16, decode(code, formats::bf16)))
      mismatches.add("bf16 " + code_text(code) + ": model " + hex(decode(code, formats::bf16)) + ", CUDA " +
                     hex(cuda_bf16));
  }
  mismatches.report();
}
