// Conversion binary64 -> FloatFormat (quantize.hpp: encode, quantize, value_of) against GNU MPFR
// as an independent oracle (DESIGN.md, "Independent oracles in tests").
//
// The oracle rounds with MPFR at precision p = man_bits + 1 and emulates the format's subnormals
// the way the MPFR manual prescribes (section 5.2, mpfr_subnormalize): the exponent range is
// lowered so that MPFR's smallest positive number 2^(emin-1) is the format's min subnormal, the
// value is set with mpfr_set_d, and mpfr_subnormalize re-rounds it in the subnormal binades using
// the first ternary value, so there is no double rounding. emax is left far above every format,
// so the oracle's result is "rounded as if the exponent range were unbounded" (IEEE 754 7.4), and
// overflow is decided here from that result. The policy for what an overflow becomes (Overflow in
// rounding.hpp; OCP 8-bit FP spec v1.0 5.2) and for specials is spelled out again in this file,
// independently of the model's code.
#include <catch2/catch.hpp>

#include <mpfr.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "model/format_names.hpp"
#include "model/quantize.hpp"

#include "tests/model/mpfr_exponent_range.hpp"
#include "tests/model/numerics_check.hpp"

using namespace mpsim;
using namespace mpsim::testing;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// One fixed seed for every random test here; each chunk of work derives its own from it and
// prints it with a failure, so a failing chunk can be replayed alone.
constexpr std::uint64_t kSeed = 0x6d7073696d2d6d70ull;

// ---------------------------------------------------------------------------------------------
// Formats under test: every preset, and parsed eXmY formats that reach corners the presets do
// not (tiny formats, all four specials conventions on other widths, flush to zero, odd biases,
// exponents far outside fp32's range).
struct TestFormat {
  std::string name;
  FloatFormat format;
};

std::vector<TestFormat> formats_under_test() {
  std::vector<TestFormat> list;
  for (const NamedFormat& p : kPresets) list.push_back({p.name, p.format});
  for (const char* name : {
           "e3m2",         // IEEE-style 6-bit, bias 3
           "e8m1",         // fp32's range with 2 significant bits: every input is a tie candidate
           "e2m1_none",    // OCP MX FP4 E2M1
           "e2m3_none",    // OCP MX FP6 E2M3
           "e3m2_none",    // OCP MX FP6 E3M2
           "e1m2_none",    // a single exponent bit: one subnormal and one normal binade
           "e3m4_fnuz",    // fnuz on another width
           "e6m5_b20_fn",  // fn with a non-IEEE bias
           "e7m16",        // 24 bits, wider than any preset but fp32
           "e5m2_ftz",     // flush to zero, IEEE specials
           "e4m3_fn_ftz",  // flush to zero, fn
           "e8m23_ftz",    // fp32 with flush to zero
           "e8m3_b-240",   // values 2^238 .. 2^495: only binary64 inputs reach it
           "e8m3_b400",    // values 2^-402 .. 2^-145
       })
    list.push_back({name, parse_format(name)});
  return list;
}

const char* rounding_name(Rounding r) {
  switch (r) {
    case Rounding::nearest_even:
      return "nearest_even";
    case Rounding::nearest_away:
      return "nearest_away";
    case Rounding::toward_zero:
      return "toward_zero";
    case Rounding::stochastic:
      return "stochastic";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// The oracle.

struct Expected {
  double value;
  Flags flags;
};

// Rounds binary64 values to one format with MPFR. Lives in one thread (see MpfrExponentRange).
class MpfrOracle {
 public:
  explicit MpfrOracle(const FloatFormat& f)
      // MPFR writes m * 2^E with 0.5 <= m < 1, so the format's min subnormal 2^quantum_exponent
      // is 0.5 * 2^(quantum_exponent + 1): that E is the emin that makes it MPFR's smallest
      // positive number, i.e. emin_fmt - man_bits + 1 with emin_fmt = 1 - bias. emax = 4096 is
      // beyond every double, so MPFR itself never overflows.
      : f_(f), range_(f.quantum_exponent() + 1, 4096) {
    mpfr_init2(x_, f.man_bits + 1);
  }
  ~MpfrOracle() { mpfr_clear(x_); }
  MpfrOracle(const MpfrOracle&) = delete;
  MpfrOracle& operator=(const MpfrOracle&) = delete;

  // d rounded to the format's precision and subnormal grid, the exponent unbounded above.
  // d is finite and nonzero.
  double round_unbounded(double d, Rounding rounding) {
    switch (rounding) {
      case Rounding::nearest_even:
        return round_mpfr(d, MPFR_RNDN);
      case Rounding::toward_zero:
        return round_mpfr(d, MPFR_RNDZ);
      case Rounding::nearest_away: {
        // MPFR_RNDNA is only partially supported (MPFR manual 4.4: not by mpfr_set_d, nor by
        // mpfr_subnormalize), so ties-away is built from the two directed results: the nearer
        // one, and the one away from zero on a tie (IEEE 754 4.3.1 roundTiesToAway).
        const double toward = round_mpfr(d, MPFR_RNDZ);
        const double away = round_mpfr(d, MPFR_RNDA);
        if (toward == away) return toward;  // d is exactly representable
        // Only for |d| near DBL_MAX: away is 2^1024, Inf as a double; both results overflow
        // every format (max finite <= 2^901), so which one is picked does not matter.
        if (std::isinf(away)) return away;
        // toward and away are adjacent values of the unbounded format: their difference is one
        // quantum (a power of two >= 2^-900), and toward plus half of it has at most 26
        // significant bits, so the midpoint is an exact binary64 number (written so that it
        // cannot overflow) and comparing |d| with it is an exact test.
        const double midpoint = toward + (away - toward) / 2;
        check_exact(midpoint - toward == away - midpoint);
        return std::fabs(d) >= std::fabs(midpoint) ? away : toward;
      }
      case Rounding::stochastic:
        break;
    }
    return kNaN;
  }

  // What the conversion of d must give under spec, flags included.
  Expected expected(double d, RoundingSpec spec) {
    return finish(d, is_special(d) ? 0.0 : round_unbounded(d, spec.rounding), spec);
  }

  // The policy part, given the rounded-unbounded result r of a finite nonzero d.
  Expected finish(double d, double r, RoundingSpec spec) const {
    if (std::isnan(d)) return {kNaN, Flags{}};  // a quiet NaN in, no exception (IEEE 754 7.2)
    if (std::isinf(d)) {
      // No overflow policy clamps an infinite input (OCP 8-bit FP spec 5.2): it stays infinite,
      // becomes NaN where the format has no Inf (fn, fnuz: invalid, it has no representation),
      // and `none` formats hand it back uncoded.
      if (f_.has_inf() || f_.specials == Specials::none) return {d, Flags{}};
      return {kNaN, Flags{Flags::kInvalid}};
    }
    if (d == 0) return {f_.has_negative_zero() ? d : 0.0, Flags{}};

    Flags flags;
    if (std::fabs(r) > f_.max_finite()) {
      // IEEE 754 7.4: overflow when the result rounded with an unbounded exponent exceeds the
      // largest finite value; toward zero and saturation give max finite, otherwise +-Inf, NaN
      // for formats without Inf, an uncoded +-Inf for `none` formats.
      flags.bits = Flags::kOverflow | Flags::kInexact;
      if (spec.rounding == Rounding::toward_zero || spec.overflow == Overflow::saturate)
        return {std::copysign(f_.max_finite(), d), flags};
      if (f_.has_inf() || f_.specials == Specials::none) return {std::copysign(kInf, d), flags};
      return {kNaN, flags};
    }
    // Flush to zero: a result that is subnormal after rounding becomes a zero of d's sign.
    if (!f_.subnormals && std::fabs(r) < f_.min_normal()) r = std::copysign(0.0, d);
    if (r == 0 && !f_.has_negative_zero()) r = 0.0;  // fnuz: -0 does not exist, 0x80 is NaN
    if (r != d) flags.bits |= Flags::kInexact;
    // Underflow: tiny before rounding and inexact (IEEE 754 7.5, the "before rounding" option).
    if (r != d && std::fabs(d) < f_.min_normal()) flags.bits |= Flags::kUnderflow;
    return {r, flags};
  }

  static bool is_special(double d) { return std::isnan(d) || std::isinf(d) || d == 0; }

 private:
  // Inexact self-checks of the oracle cannot use Catch2 from worker threads; they abort loudly.
  static void check_exact(bool ok) {
    if (!ok) {
      std::fputs("MpfrOracle: midpoint not exact\n", stderr);
      std::abort();
    }
  }

  double round_mpfr(double d, mpfr_rnd_t rnd) {
    int inex = mpfr_set_d(x_, d, rnd);
    inex = mpfr_subnormalize(x_, inex, rnd);
    (void)inex;
    return mpfr_get_d(x_, MPFR_RNDN);  // exact: x has <= 24 bits and an exponent within +-901
  }

  FloatFormat f_;
  MpfrExponentRange range_;
  mpfr_t x_;
};

// ---------------------------------------------------------------------------------------------
// Comparison of the model with the oracle; failures are collected (from any thread) and reported
// by the test's own thread, the first few in full.

struct Failures {
  std::atomic<long> count{0};
  std::mutex mutex;
  std::vector<std::string> first;

  void add(std::string text) {
    if (count.fetch_add(1) < 20) {
      std::lock_guard<std::mutex> lock(mutex);
      first.push_back(std::move(text));
    }
  }
  void report() {
    for (const std::string& text : first) FAIL_CHECK(text);
    CHECK(count.load() == 0);
  }
};

// Checks encode() and quantize() of d against the oracle for one rounding and both overflows.
// Returns the number of comparisons made.
long check_input(MpfrOracle& oracle, const TestFormat& tf, double d, Rounding rounding, Failures& failures,
                 const std::string& origin) {
  const double r = MpfrOracle::is_special(d) ? 0.0 : oracle.round_unbounded(d, rounding);
  long checks = 0;
  for (Overflow overflow : {Overflow::saturate, Overflow::infinity}) {
    const RoundingSpec spec{rounding, overflow};
    const Expected want = oracle.finish(d, r, spec);
    const Encoded got = encode(d, tf.format, spec);
    const double got_value = value_of(got, tf.format);
    const double got_quantized = quantize(d, tf.format, spec);
    ++checks;
    // A NaN result must be the format's NaN code, or the uncoded NaN of a `none` format.
    const bool nan_ok =
        !std::isnan(want.value) || (tf.format.has_nan() ? got.uncoded == Uncoded::no && is_nan_code(got.bits, tf.format)
                                                        : got.uncoded == Uncoded::nan);
    // Only `none` formats return values without a code (their Inf and NaN).
    const bool uncoded_ok = tf.format.specials == Specials::none || got.uncoded == Uncoded::no;
    if (!same_value(got_value, want.value) || !same_value(got_quantized, want.value) || !(got.flags == want.flags) ||
        !nan_ok || !uncoded_ok) {
      char code[16];
      std::snprintf(code, sizeof code, "0x%x", got.bits);
      failures.add(tf.name + " " + rounding_name(rounding) + "/" + overflow_name(overflow) + ": input " + hex(d) +
                   " (" + origin + ") expected " + hex(want.value) + " " + flags_text(want.flags) + ", model " +
                   hex(got_value) + " code " + code + " uncoded " + std::to_string(static_cast<int>(got.uncoded)) +
                   " " + flags_text(got.flags) + ", quantize() " + hex(got_quantized));
    }
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Directed inputs.

// Consecutive positive codes [first, last] (format order is value order for positive codes) in
// a format that has subnormals, so that a flush-to-zero format is probed on the subnormal grid
// it flushes.
void add_code_range(const FloatFormat& f, std::uint32_t first, std::uint32_t last, std::vector<double>& out) {
  FloatFormat g = f;
  g.subnormals = true;
  const std::uint32_t top = f.max_finite_code();
  last = std::min(last, top);
  for (std::uint32_t code = first; code <= last; ++code) {
    const double v = decode(code, g);
    out.push_back(v);
    out.push_back(std::nextafter(v, kInf));
    out.push_back(std::nextafter(v, 0.0));
    if (code == last) break;
    // The midpoint between this value and the next: the tie every rounding mode decides
    // differently (nearest even / away), and the doubles just either side of it.
    const double next = decode(code + 1, g);
    const double mid = v + (next - v) / 2;  // exact: one more bit than the format has
    out.push_back(mid);
    out.push_back(std::nextafter(mid, kInf));
    out.push_back(std::nextafter(mid, 0.0));
    // A quarter of the way: inexact but no tie (only the direction matters).
    out.push_back(v + (next - v) / 4);
  }
}

std::vector<double> directed_inputs(const FloatFormat& f) {
  std::vector<double> pos;
  const std::uint32_t m = static_cast<std::uint32_t>(f.man_bits);
  const std::uint32_t top = f.max_finite_code();
  if (f.total_bits() <= 16) {
    // Small formats: every value, every midpoint between neighbours, and their neighbours.
    add_code_range(f, 0, top, pos);
  } else {
    // Wide formats: windows of codes at the places where rounding changes character.
    const std::uint32_t one = static_cast<std::uint32_t>(f.bias) << m;
    const std::uint32_t min_normal = 1u << m;
    add_code_range(f, 0, 64, pos);                             // smallest subnormals, zero
    add_code_range(f, min_normal - 64, min_normal + 64, pos);  // subnormal -> normal
    if (f.bias > 0 && static_cast<long>(one) + 64 < static_cast<long>(top))
      add_code_range(f, one - 64, one + 64, pos);              // around 1.0
    add_code_range(f, top - 128, top, pos);                    // the top binade's end
    add_code_range(f, (top >> 1) - 32, (top >> 1) + 32, pos);  // somewhere in the middle
  }

  const double max = f.max_finite();
  const double ulp_max = pow2(f.emax() - f.man_bits);  // spacing of the top binade
  const double q = pow2(f.quantum_exponent());         // the subnormal quantum
  for (double v : {// Overflow threshold: max + half an ulp is the tie between max and the first value
                   // past it (2^(emax+1) for ieee/none; the NaN code's value for fn, e.g. e4m3's 480).
                   max + ulp_max / 2, std::nextafter(max + ulp_max / 2, 0.0), std::nextafter(max + ulp_max / 2, kInf),
                   // Past it: exactly one ulp above max (a value of the unbounded format), further up.
                   max + ulp_max, max + 1.5 * ulp_max, 2 * max, 1e300, std::numeric_limits<double>::max(),
                   // Around the min subnormal q: q/2 is the tie with zero (to 0 under nearest even, to q
                   // under ties-away), q/4 is no tie; 1.5 q and 2.5 q tie between subnormal neighbours.
                   q / 2, std::nextafter(q / 2, 0.0), std::nextafter(q / 2, kInf), q / 4, 1.5 * q, 2.5 * q,
                   // Largest subnormal, min normal and the tie between them.
                   f.min_normal() - q, f.min_normal(), f.min_normal() - q / 2,
                   std::nextafter(f.min_normal() - q / 2, 0.0), std::nextafter(f.min_normal() - q / 2, kInf),
                   // Near 1: the ties just above (1 + eps/2) and just below (1 - eps/4) one.
                   1.0, 1.0 + f.epsilon() / 2, 1.0 + 1.5 * f.epsilon(), 1.0 - f.epsilon() / 4,
                   std::nextafter(1.0 + f.epsilon() / 2, 0.0), std::nextafter(1.0 + f.epsilon() / 2, kInf),
                   // binary64 extremes: its subnormals are far below every format's range.
                   std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::min(),
                   // Zeros and specials (signs added below): -0 must stay -0 except in fnuz.
                   0.0, kInf, kNaN, double_from_bits(0x7ff0000000000001ull) /* signaling NaN pattern */}) {
    if (v >= 0 || std::isnan(v)) pos.push_back(v);
  }
  if (f == formats::e4m3) {
    // OCP E4M3FN's NaN boundary: 448 is max, 464 the tie (to 448 under nearest even, to the
    // NaN code under ties-away), 465 above the tie, 480 the NaN code's would-be value.
    for (double v : {448.0, 464.0, 465.0, 480.0, 496.0, 512.0}) pos.push_back(v);
  }

  std::vector<double> all;
  all.reserve(2 * pos.size());
  for (double v : pos) {
    all.push_back(v);
    all.push_back(-v);
  }
  return all;
}

// ---------------------------------------------------------------------------------------------
// Random inputs.

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

enum class Source { fp32, fp64 };

// Half uniformly random bit patterns (every class: NaN, Inf, subnormal, huge), half concentrated
// on the format: exponent uniform in [quantum_exponent - 3, emax + 2] (clipped to the source
// type's range), random significand and sign.
double random_input(std::mt19937_64& rng, const FloatFormat& f, Source source) {
  const std::uint64_t r = rng();
  const std::uint64_t bits = rng();
  if (r & 1) {
    return source == Source::fp32 ? static_cast<double>(float_from_bits(static_cast<std::uint32_t>(bits)))
                                  : double_from_bits(bits);
  }
  const int min_e = source == Source::fp32 ? -149 : -1074;
  const int max_e = source == Source::fp32 ? 127 : 1023;
  const int lo = std::max(f.quantum_exponent() - 3, min_e);
  const int hi = std::min(f.emax() + 2, max_e);
  if (lo > hi) return double_from_bits(bits);  // the format lies outside the source's range
  const int e = lo + static_cast<int>((r >> 1) % static_cast<std::uint64_t>(hi - lo + 1));
  const bool negative = (r >> 40) & 1;
  double v = 0;
  if (source == Source::fp32) {
    // 1.M * 2^e with a 23-bit M, then to float (which rounds below fp32's min normal).
    const double significand = 1.0 + static_cast<double>(bits & 0x7fffff) * 0x1p-23;
    v = static_cast<double>(static_cast<float>(std::ldexp(significand, e)));
  } else {
    const double significand = 1.0 + static_cast<double>(bits & 0xfffffffffffffull) * 0x1p-52;
    v = std::ldexp(significand, e);
  }
  return negative ? -v : v;
}

struct RandomJob {
  std::size_t format;  // index into the format list
  Rounding rounding;
  Source source;
  long count;
  std::uint64_t seed;
};

// Splits count inputs per (format, rounding) into independently seeded chunks.
void add_random_jobs(std::vector<RandomJob>& jobs, std::size_t format, Rounding rounding, Source source, long count) {
  constexpr long kChunk = 1 << 17;
  for (long done = 0, chunk = 0; done < count; done += kChunk, ++chunk) {
    const std::uint64_t seed =
        splitmix64(kSeed ^ (format << 48) ^ (static_cast<std::uint64_t>(rounding) << 40) ^
                   (static_cast<std::uint64_t>(source) << 36) ^ static_cast<std::uint64_t>(chunk));
    jobs.push_back({format, rounding, source, std::min(kChunk, count - done), seed});
  }
}

// Runs the jobs on up to two threads (the test machine's core count); each thread sets up its own
// MPFR exponent range through MpfrOracle. Returns the number of comparisons.
long run_random_jobs(const std::vector<TestFormat>& list, const std::vector<RandomJob>& jobs, Failures& failures) {
  std::atomic<std::size_t> next{0};
  std::atomic<long> checks{0};
  auto worker = [&] {
    for (std::size_t j = next++; j < jobs.size(); j = next++) {
      const RandomJob& job = jobs[j];
      const TestFormat& tf = list[job.format];
      MpfrOracle oracle(tf.format);
      std::mt19937_64 rng(job.seed);
      char origin[64];
      std::snprintf(origin, sizeof origin, "random, chunk seed 0x%016llx", static_cast<unsigned long long>(job.seed));
      long n = 0;
      for (long i = 0; i < job.count; ++i)
        n += check_input(oracle, tf, random_input(rng, tf.format, job.source), job.rounding, failures, origin);
      checks += n;
    }
  };
  // MPFR's exponent range must be thread-local for concurrent oracles with different ranges.
  const unsigned threads = mpfr_buildopt_tls_p() ? std::clamp(std::thread::hardware_concurrency(), 1u, 2u) : 1u;
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  return checks.load();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("the MPFR oracle reproduces hand-computed roundings", "[model][mpfr]") {
  const mpfr_exp_t emin_before = mpfr_get_emin(), emax_before = mpfr_get_emax();
  // Checks of the oracle itself, so that agreement with the model means something.
  {
    MpfrOracle fp16(formats::fp16);
    CHECK(fp16.round_unbounded(1.0 + 0x1p-11, Rounding::nearest_even) == 1.0);  // tie, even below
    CHECK(fp16.round_unbounded(1.0 + 0x1p-11, Rounding::nearest_away) == 1.0 + 0x1p-10);
    CHECK(fp16.round_unbounded(1.0 + 3 * 0x1p-11, Rounding::nearest_even) == 1.0 + 0x1p-9);  // tie, odd below
    CHECK(fp16.round_unbounded(0x1p-25, Rounding::nearest_even) == 0.0);                     // half min subnormal
    CHECK(fp16.round_unbounded(0x1p-25, Rounding::nearest_away) == 0x1p-24);
    CHECK(fp16.round_unbounded(3 * 0x1p-25, Rounding::nearest_even) == 0x1p-23);  // 1.5 q: to 2q
    // The tie between the largest subnormal 1023 * 2^-24 (odd) and min normal 2^-14: up.
    CHECK(fp16.round_unbounded(0x1.ffcp-15, Rounding::nearest_even) == 0x1p-14);
    CHECK(fp16.round_unbounded(0x1.ffcp-15 - 0x1p-40, Rounding::nearest_even) == 0x1.ff8p-15);
    CHECK(fp16.round_unbounded(65520.0, Rounding::nearest_even) == 65536.0);  // overflow tie: up
    CHECK(fp16.round_unbounded(-65519.0, Rounding::toward_zero) == -65504.0);
    const Expected ov = fp16.expected(65520.0, {Rounding::nearest_even, Overflow::infinity});
    CHECK(ov.value == kInf);
    CHECK(ov.flags == Flags{Flags::kOverflow | Flags::kInexact});
    const Expected uf = fp16.expected(-0x1p-26, {Rounding::nearest_even, Overflow::infinity});
    CHECK(bits_of(uf.value) == bits_of(-0.0));
    CHECK(uf.flags == Flags{Flags::kUnderflow | Flags::kInexact});
  }
  {
    MpfrOracle e4m3(formats::e4m3);
    CHECK(e4m3.round_unbounded(464.0, Rounding::nearest_even) == 448.0);
    CHECK(e4m3.round_unbounded(464.0, Rounding::nearest_away) == 480.0);
    CHECK(std::isnan(e4m3.expected(464.0, {Rounding::nearest_away, Overflow::infinity}).value));
    CHECK(e4m3.expected(1e6, {Rounding::nearest_even, Overflow::saturate}).value == 448.0);
    CHECK(e4m3.round_unbounded(0x1p-10, Rounding::nearest_even) == 0.0);  // half min subnormal 2^-9
    CHECK(e4m3.round_unbounded(0x1.8p-9, Rounding::nearest_even) == 0x1p-8);
  }
  {
    MpfrOracle fnuz(formats::e4m3fnuz);  // no -0: a negative underflow gives +0
    CHECK(bits_of(fnuz.expected(-0x1p-12, {}).value) == 0);
  }
  // The oracles restored the exponent range they changed.
  CHECK(mpfr_get_emin() == emin_before);
  CHECK(mpfr_get_emax() == emax_before);
}

TEST_CASE("e4m3 at its NaN boundary and fnuz at zero, by the OCP spec", "[model][mpfr][fp8]") {
  // Hand-checked values, independent of MPFR (OCP 8-bit FP spec v1.0, 5.2 and table 1).
  const RoundingSpec rne_inf{Rounding::nearest_even, Overflow::infinity};
  const RoundingSpec away_inf{Rounding::nearest_away, Overflow::infinity};
  CHECK(encode(448.0, formats::e4m3, rne_inf).bits == 0x7e);
  CHECK(encode(464.0, formats::e4m3, rne_inf).bits == 0x7e);  // tie to even: 1.110b * 2^8
  CHECK(encode(465.0, formats::e4m3, rne_inf).bits == 0x7f);  // NaN
  CHECK(encode(465.0, formats::e4m3).bits == 0x7e);           // saturated
  CHECK(encode(-465.0, formats::e4m3).bits == 0xfe);
  CHECK(encode(464.0, formats::e4m3, away_inf).bits == 0x7f);
  CHECK(encode(480.0, formats::e4m3, {Rounding::toward_zero, Overflow::infinity}).bits == 0x7e);
  CHECK(encode(480.0, formats::e4m3, {Rounding::toward_zero, Overflow::infinity}).flags.overflow());
  CHECK(encode(-kInf, formats::e4m3).bits == 0x7f);  // Inf is not saturated: the canonical NaN
  CHECK(encode(-kInf, formats::e4m3).flags.invalid());
  CHECK(encode(-0x1p-12, formats::e4m3fnuz).bits == 0x00);
  CHECK(encode(-0x1p-10, formats::e4m3fnuz, {Rounding::nearest_away}).bits == 0x81);  // min subnormal, not NaN
}

TEST_CASE("quantize matches MPFR on directed boundary cases", "[model][mpfr]") {
  const std::vector<TestFormat> list = formats_under_test();
  Failures failures;
  long checks = 0;
  for (const TestFormat& tf : list) {
    MpfrOracle oracle(tf.format);
    const std::vector<double> inputs = directed_inputs(tf.format);
    for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away, Rounding::toward_zero})
      for (double d : inputs) checks += check_input(oracle, tf, d, rounding, failures, "directed");
  }
  INFO(checks << " directed comparisons");
  failures.report();
  CHECK(checks > 2'000'000);
}

TEST_CASE("quantize matches MPFR on random fp32 and fp64 inputs", "[model][mpfr]") {
  // Nearest even, the hardware default, gets the bulk: 1M fp32 inputs per preset (11M), 200k per
  // parsed format. Ties-away and toward zero get 100k each per format, and 100k binary64 inputs
  // per format check sticky bits far below fp32's precision. Both overflow policies every time.
  const std::vector<TestFormat> list = formats_under_test();
  std::vector<RandomJob> jobs;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const bool preset = i < std::size(kPresets);
    add_random_jobs(jobs, i, Rounding::nearest_even, Source::fp32, preset ? 1'000'000 : 200'000);
    add_random_jobs(jobs, i, Rounding::nearest_away, Source::fp32, 100'000);
    add_random_jobs(jobs, i, Rounding::toward_zero, Source::fp32, 100'000);
    add_random_jobs(jobs, i, Rounding::nearest_even, Source::fp64, 100'000);
  }
  Failures failures;
  const long checks = run_random_jobs(list, jobs, failures);
  INFO("seed 0x" << std::hex << kSeed << std::dec << ", " << checks << " comparisons");
  failures.report();
}

TEST_CASE("quantize matches MPFR on 100M random inputs, every rounding", "[model][mpfr][.slow]") {
  const std::vector<TestFormat> list = formats_under_test();
  std::vector<RandomJob> jobs;
  const long per_job = 100'000'000 / static_cast<long>(list.size() * 4);
  for (std::size_t i = 0; i < list.size(); ++i) {
    for (Rounding rounding : {Rounding::nearest_even, Rounding::nearest_away, Rounding::toward_zero})
      add_random_jobs(jobs, i, rounding, Source::fp32, per_job);
    add_random_jobs(jobs, i, Rounding::nearest_even, Source::fp64, per_job);
  }
  // Chunk seeds depend only on (format, rounding, source, chunk index); re-seed so that this run
  // draws inputs the default suite has not already checked.
  for (RandomJob& job : jobs) job.seed = splitmix64(job.seed ^ 0x736c6f77ull);
  Failures failures;
  const long checks = run_random_jobs(list, jobs, failures);
  INFO("seed 0x" << std::hex << kSeed << std::dec << ", " << checks << " comparisons");
  failures.report();
}
