// rtl/mpsim_mac against model/mac.hpp mac(): result bits and flags equal, for every model of
// MPSIM_RTL_MAC_MODELS (tests/rtl/CMakeLists.txt: fp32 accumulation with 2 pipeline registers, fp16
// accumulation combinational). Exhaustive for fp8 x fp8; seeded random TestFloat-style triples
// for fp16, bf16, fp32 and mixed formats; directed cases, each aimed at one datapath corner.
#include <deque>
#include <initializer_list>
#include <limits>
#include <optional>
#include <utility>

#include "rtl_harness.hpp"
#include "rtl_models.hpp"

using namespace mpsim;
using namespace mpsim::rtl_test;

namespace {

constexpr std::uint64_t kSeed = 0x72746c2d6d6163ull;  // "rtl-mac"; every failure prints operands
constexpr int kFp32 = 0, kFp16 = 1, kBf16 = 2, kE4m3 = 3, kE5m2 = 4;

struct MacOp {
  std::uint32_t acc = 0, a = 0, b = 0;
  int fa = kFp32, fb = kFp32;
  const char* file = __FILE__;  // where the case was made, for the failure message
  int line = 0;
};

// Drives one MAC model and checks each result against mac() as it leaves the pipeline: an op
// entered at cycle t must come out, valid_o high, NumPipeRegs cycles later and in order, and
// valid_o must be low for a bubble.
template <class Config>
class MacBench {
 public:
  using Model = typename Config::Model;
  static constexpr int kPipe = Config::pipe_regs;
  const FloatFormat acc_format = rtl_format(Config::acc_fmt);

  explicit MacBench(std::uint64_t seed) : dut_(Config::name, seed) {
    dut_->valid_i = 0;
    dut_.reset();
  }
  ~MacBench() { flush(); }

  void run(const MacOp& op) { step(op); }
  void bubble() { step(std::nullopt); }
  void flush() {
    for (int i = 0; i < kPipe; ++i) bubble();
  }
  CheckLog& log() { return log_; }

  // What the RTL must produce: mac() for the formats it reads; a reserved code reads as NaN.
  Encoded expected(const MacOp& op) const {
    if (op.fa >= kNumRtlFormats || op.fb >= kNumRtlFormats) return {acc_format.nan_code(), Flags{}, Uncoded::no};
    return mac(op.acc, op.a, op.b, {rtl_format(op.fa), rtl_format(op.fb), acc_format});
  }

 private:
  void step(const std::optional<MacOp>& op) {
    dut_->valid_i = op.has_value();
    if (op) {
      set_port(dut_->acc_i, op->acc);
      set_port(dut_->a_i, op->a);
      set_port(dut_->b_i, op->b);
      dut_->fmt_a_i = static_cast<std::uint8_t>(op->fa);
      dut_->fmt_b_i = static_cast<std::uint8_t>(op->fb);
    }
    if (kPipe == 0) {
      dut_.eval();
      compare(op);
      return;
    }
    in_flight_.push_back(op);
    dut_.cycle();
    if (static_cast<int>(in_flight_.size()) == kPipe) {
      compare(in_flight_.front());
      in_flight_.pop_front();
    }
  }

  void compare(const std::optional<MacOp>& op) {
    MPSIM_RTL_CHECK(log_, dut_->valid_o == op.has_value(), "valid_o {} at cycle {}, expected {}", dut_->valid_o,
                    dut_.cycles(), op.has_value());
    if (!op || !dut_->valid_o) return;
    const Encoded want = expected(*op);
    const std::uint32_t got = dut_->acc_o, got_flags = dut_->flags_o;
    log_.count_check();
    if (got != want.bits || got_flags != want.flags.bits) {
      const FloatFormat& fa = rtl_format(std::min(op->fa, kNumRtlFormats - 1));
      const FloatFormat& fb = rtl_format(std::min(op->fb, kNumRtlFormats - 1));
      log_.fail(op->file, op->line,
                fmt::format("{}: acc={} a={} ({}) b={} ({}): got {} flags 0x{:x}, expected {} flags 0x{:x}",
                            Config::name, code_hex(op->acc, acc_format), code_hex(op->a, fa), rtl_format_name(op->fa),
                            code_hex(op->b, fb), rtl_format_name(op->fb), code_hex(got, acc_format), got_flags,
                            code_hex(want.bits, acc_format), want.flags.bits));
    }
  }

  Dut<Model> dut_;
  CheckLog log_;
  std::deque<std::optional<MacOp>> in_flight_;
};

// The code of x in f; x must be exact in f (a test constant).
std::uint32_t exact_code(double x, const FloatFormat& f) {
  const Encoded e = encode(x, f);
  REQUIRE_FALSE(e.flags.inexact());
  REQUIRE(e.uncoded == Uncoded::no);
  return e.bits;
}

// Accumulator values the fp8 products meet: zeros, subnormals, normals around the products'
// range, the largest values, Inf and NaN.
std::vector<std::uint32_t> fp8_accumulators(const FloatFormat& acc) {
  std::vector<std::uint32_t> codes = {0u,
                                      acc.sign_bit(),
                                      1u,
                                      (1u << acc.man_bits) - 1u,
                                      acc.sign_bit() | 0x5u,
                                      1u << acc.man_bits,
                                      acc.sign_bit() | (1u << acc.man_bits),
                                      acc.max_finite_code(),
                                      acc.sign_bit() | acc.max_finite_code(),
                                      acc.inf_code(),
                                      acc.sign_bit() | acc.inf_code(),
                                      acc.nan_code()};
  for (double x : {1.0, -1.0, 1.5, -0.75, 0x1p-10, -0x1p-7, 448.0, -1000.0, 57344.0, 0x1.8p-17})
    codes.push_back(encode(x, acc).bits);
  return codes;
}

template <class Config>
void random_triples(MacBench<Config>& bench, OperandGen& gen, long n, int fa, int fb, int line) {
  constexpr int kPortBits = 32;
  for (long i = 0; i < n; ++i) {
    const bool mixed = fa < 0;
    MacOp op;
    op.fa = mixed ? gen.uniform(0, kNumRtlFormats - 1) : fa;
    op.fb = mixed ? gen.uniform(0, kNumRtlFormats - 1) : fb;
    const FloatFormat& f_a = rtl_format(op.fa);
    const FloatFormat& f_b = rtl_format(op.fb);
    op.a = gen.operand(f_a);
    op.b = gen.operand(f_b);
    const double product = decode(op.a, f_a) * decode(op.b, f_b);
    op.acc = gen.chance(60) ? gen.near(bench.acc_format, product) : gen.operand(bench.acc_format);
    op.a = gen.garbage_above(op.a, f_a, kPortBits);
    op.b = gen.garbage_above(op.b, f_b, kPortBits);
    op.line = line;
    if (gen.chance(3)) bench.bubble();
    bench.run(op);
  }
}

// A test of random triples: runs of (a format, b format, count), fa = -1 drawing both formats
// per triple; one model, one seed.
struct RandomRun {
  int fa, fb;
  long n;
};
template <class Config>
void random_test(std::uint64_t seed, std::initializer_list<RandomRun> runs) {
  MacBench<Config> bench(seed);
  OperandGen gen(seed);
  for (const RandomRun& r : runs) random_triples(bench, gen, r.n, r.fa, r.fb, __LINE__);
  bench.flush();
  bench.log().verdict();
}

// --- Directed cases -----------------------------------------------------------------------------
// Values are doubles, exact in the operands' formats (fp32 unless given); `want` and `flags` say
// what the case aims at, and are checked against mac() too, so a case that drifts from its aim
// is reported as well as an RTL mismatch. want = NaN means "the canonical NaN".
struct Directed {
  double acc, a, b;
  double want;
  std::uint8_t flags;
  int line;
  int fa = kFp32, fb = kFp32;
};

constexpr std::uint8_t kNone = 0, kInexact = Flags::kInexact, kInvalid = Flags::kInvalid;
constexpr std::uint8_t kUnder = Flags::kUnderflow | Flags::kInexact, kOver = Flags::kOverflow | Flags::kInexact;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Cases in terms of the accumulator format: p mantissa bits, quantum exponent q.
std::vector<Directed> directed_cases(const FloatFormat& f) {
  const int p = f.man_bits;
  const double ulp = pow2(-p), half = pow2(-p - 1);  // at 1.0
  const int q = f.quantum_exponent();
  const double max = f.max_finite(), min_normal = f.min_normal(), min_sub = f.min_positive();
  const double max_sub = min_normal - min_sub;
  const double half_ulp_max = pow2(f.emax() - p - 1);
  // 2^e as a product of two fp32 operands, for e below fp32's range.
  const auto lo = [](int e) { return pow2(e / 2); };
  const auto hi = [](int e) { return pow2(e - e / 2); };
#define CASE(acc, a, b, want, flags) \
  Directed { acc, a, b, want, flags, __LINE__ }
  return {
      // Halfway cases (round to nearest, ties to even).
      CASE(1.0, half, 1.0, 1.0, kInexact),                        // 1 + ulp/2: tie, 1.0 is even
      CASE(1.0 + ulp, half, 1.0, 1.0 + 2 * ulp, kInexact),        // tie, odd kept: rounds up
      CASE(1.0, half * (1 + 0x1p-23), 1.0, 1.0 + ulp, kInexact),  // just above the tie: up
      CASE(1.0, half * (1 - 0x1p-24), 1.0, 1.0, kInexact),        // just below the tie: down
      CASE(1.0, -half / 2, 1.0, 1.0, kInexact),                   // below 1 the ulp halves: tie, 1.0 even
      CASE(1.0, -half * 0.75, 1.0, 1.0 - half, kInexact),         // below 1, above the tie: down a step
      // Carries out of the mantissa.
      CASE(2.0 - ulp, half, 1.0, 2.0, kInexact),        // 1.11..1 + tie -> 10.00..0
      CASE(max, half_ulp_max, 1.0, kInf, kOver),        // carry past max finite: Inf
      CASE(max, half_ulp_max / 2, 1.0, max, kInexact),  // a quarter ulp: stays max
      CASE(0.0, max, 2.0, kInf, kOver),                 // the product alone overflows
      CASE(-max, -max, 1.0, -kInf, kOver),              // -max - max
      // Cancellation.
      CASE(1.5, -1.5, 1.0, 0.0, kNone),                          // x - x = +0
      CASE(-1.5, 1.5, 1.0, 0.0, kNone),                          // -x + x = +0
      CASE(-0.0, -0.0, 1.0, -0.0, kNone),                        // -0 + -0 = -0
      CASE(-0.0, 0.0, 1.0, 0.0, kNone),                          // -0 + +0 = +0
      CASE(0.0, -0.0, 1.0, 0.0, kNone),                          // +0 + -0 = +0
      CASE(-(1 + 2 * ulp), 1 + ulp, 1 + ulp, ulp * ulp, kNone),  // leaves the product's low bits, exact
      // (1 + 2^-23)(1 - 2^-24) - 1 = 2^-24 - 2^-47: exact in fp32, below fp16's min subnormal.
      CASE(-1.0, 1 + 0x1p-23, 1 - 0x1p-24, p >= 23 ? 0x1p-24 - 0x1p-47 : min_sub, p >= 23 ? kNone : kUnder),
      // Subnormal results.
      CASE(min_normal, -min_sub, 1.0, max_sub, kNone),          // tiny but exact: no underflow
      CASE(0.0, lo(q - 1), hi(q - 1), 0.0, kUnder),             // half the quantum: tie to +0
      CASE(-0.0, -lo(q - 2) * 3, hi(q - 2), -min_sub, kUnder),  // 3/4 quantum rounds to -min
      CASE(max_sub, lo(q - 1), hi(q - 1), min_normal, kUnder),  // rounds up to min normal; tiny before
      CASE(min_sub, -lo(q - 1), hi(q - 1), 0.0, kUnder),        // min - half: tie, to even +0
      CASE(0.0, lo(q - 60), hi(q - 60), 0.0, kUnder),           // far below the quantum: +0
      // Addend far below the product (its bits become sticky), and far above it.
      CASE(-min_sub, 1.0, 1.0, 1.0, kInexact),                                     // 1 - tiny: rounds back to 1
      CASE(min_sub, 1.0 + 0x1p-23, 1.0, p >= 23 ? 1.0 + 0x1p-23 : 1.0, kInexact),  // 1+2^-23 + tiny
      CASE(1.0, -lo(-100), hi(-100), 1.0, kInexact),                               // 1 - 2^-100, product far below
      CASE(max, -lo(-140), hi(-140), max, kInexact),                               // max - tiny
      CASE(min_normal, 0x1p-149, 0x1p-149, min_normal, kInexact),                  // two fp32 subnormals: 2^-298
      // Infinities and NaN, in model/mac.hpp's order of checks.
      CASE(kInf, 1.0, 1.0, kInf, kNone),         // Inf + finite
      CASE(-kInf, kInf, 1.0, kNaN, kInvalid),    // -Inf + Inf: invalid
      CASE(kInf, kInf, 1.0, kInf, kNone),        // Inf + Inf
      CASE(0.0, kInf, 0.0, kNaN, kInvalid),      // Inf * 0: invalid
      CASE(kNaN, kInf, 0.0, kNaN, kNone),        // NaN wins over Inf * 0
      CASE(1.0, kNaN, 1.0, kNaN, kNone),         // NaN operand
      CASE(-kInf, -kInf, -1.0, kNaN, kInvalid),  // (-Inf)(-1) - Inf
      CASE(-kInf, max, max, -kInf, kNone),       // finite product, Inf acc
  };
#undef CASE
}

// Cases with fp8 and 16-bit operands (codes given directly where the format has no double).
std::vector<MacOp> directed_narrow_ops(const FloatFormat& acc) {
  const auto op = [](std::uint32_t acc_code, std::uint32_t a, int fa, std::uint32_t b, int fb, int line) {
    return MacOp{acc_code, a, b, fa, fb, __FILE__, line};
  };
  const std::uint32_t one = exact_code(1.0, acc), zero = 0;
  return {
      op(zero, 0x7e, kE4m3, 0x7e, kE4m3, __LINE__),       // 448 * 448: largest e4m3 product (fp16: Inf)
      op(zero, 0x78, kE4m3, 0x38, kE4m3, __LINE__),       // exponent 1111 is finite in fn: 256 * 1
      op(one, 0x7f, kE4m3, 0x38, kE4m3, __LINE__),        // S.1111.111: NaN in fn
      op(one, 0xff, kE4m3, 0x38, kE4m3, __LINE__),        // negative NaN code: canonical NaN out
      op(one, 0x7c, kE5m2, 0x00, kE4m3, __LINE__),        // e5m2 Inf * e4m3 0: invalid
      op(one, 0x7d, kE5m2, 0x3c, kE5m2, __LINE__),        // e5m2 signalling NaN pattern
      op(zero, 0x01, kE4m3, 0x01, kE5m2, __LINE__),       // min subnormals: 2^-9 * 2^-16 = 2^-25
      op(one, 0x80, kE4m3, 0x7b, kE5m2, __LINE__),        // -0 * 57344
      op(zero, 0x7bff, kFp16, 0x7f7f, kBf16, __LINE__),   // fp16 max * bf16 max
      op(zero, 0x0001, kFp16, 0x0001, kBf16, __LINE__),   // fp16 min subnormal * bf16 min subnormal
      op(one, 0x3c01, kFp16, 0x3f81, kBf16, __LINE__),    // mixed 16-bit mantissas into an fp32 sum
      op(one, 0x00000001, kFp32, 0x3c, kE4m3, __LINE__),  // fp32 min subnormal * e4m3 1.5
  };
}

// The special values of a format: zeros, smallest and largest, +-1, Inf, NaN (a quiet and a
// signalling pattern where the format has them).
std::vector<std::uint32_t> special_codes(const FloatFormat& f) {
  const std::uint32_t s = f.sign_bit(), one = encode(1.0, f).bits;
  std::vector<std::uint32_t> codes = {0, s, 1, s | f.max_finite_code(), one, s | one, f.nan_code()};
  if (f.has_inf()) {
    codes.insert(codes.end(), {f.inf_code(), s | f.inf_code(), f.inf_code() | 1u});
  } else {
    codes.push_back(s | f.nan_code());
  }
  return codes;
}

}  // namespace

TEMPLATE_TEST_CASE("RTL MAC: every fp8 x fp8 product against edge accumulators", "[rtl][mac][e4m3][e5m2]",
                   MPSIM_RTL_MAC_MODELS) {
  MacBench<TestType> bench(kSeed);
  const std::vector<std::uint32_t> accs = fp8_accumulators(bench.acc_format);
  for (const auto& [fa, fb] : {std::pair{kE4m3, kE4m3}, {kE4m3, kE5m2}, {kE5m2, kE4m3}, {kE5m2, kE5m2}}) {
    for (std::uint32_t acc : accs) {
      for (std::uint32_t a = 0; a < 256; ++a) {
        for (std::uint32_t b = 0; b < 256; ++b) bench.run({acc, a, b, fa, fb, __FILE__, __LINE__});
      }
    }
  }
  bench.flush();
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL MAC: 10^6 random fp32 triples", "[rtl][mac][fp32]", MPSIM_RTL_MAC_MODELS) {
  random_test<TestType>(kSeed + 1, {{kFp32, kFp32, 1'000'000}});
}

TEMPLATE_TEST_CASE("RTL MAC: 10^6 random fp16 triples", "[rtl][mac][fp16]", MPSIM_RTL_MAC_MODELS) {
  random_test<TestType>(kSeed + 2, {{kFp16, kFp16, 1'000'000}});
}

TEMPLATE_TEST_CASE("RTL MAC: 10^6 random bf16 triples", "[rtl][mac][bf16]", MPSIM_RTL_MAC_MODELS) {
  random_test<TestType>(kSeed + 3, {{kBf16, kBf16, 1'000'000}});
}

TEMPLATE_TEST_CASE("RTL MAC: 10^6 random triples, a and b formats drawn independently", "[rtl][mac][mixed]",
                   MPSIM_RTL_MAC_MODELS) {
  random_test<TestType>(kSeed + 4, {{-1, -1, 1'000'000}});
}

TEMPLATE_TEST_CASE("RTL MAC: directed cases (TestFloat style)", "[rtl][mac][directed]", MPSIM_RTL_MAC_MODELS) {
  MacBench<TestType> bench(kSeed + 5);
  const FloatFormat& acc = bench.acc_format;
  for (const Directed& d : directed_cases(acc)) {
    const MacOp op{encode(d.acc, acc).bits,
                   exact_code(d.a, rtl_format(d.fa)),
                   exact_code(d.b, rtl_format(d.fb)),
                   d.fa,
                   d.fb,
                   __FILE__,
                   d.line};
    // The case still aims where its comment says (checked on model/, the oracle).
    const Encoded want = bench.expected(op);
    INFO("directed case at line " << d.line);
    CHECK(encode(d.acc, acc).flags.bits == kNone);
    if (std::isnan(d.want)) {
      CHECK(want.bits == acc.nan_code());
    } else {
      CHECK(want.bits == encode(d.want, acc).bits);
    }
    CHECK(static_cast<int>(want.flags.bits) == static_cast<int>(d.flags));
    bench.run(op);
  }
  for (const MacOp& op : directed_narrow_ops(acc)) bench.run(op);
  bench.flush();
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL MAC: every combination of special values, every format pair", "[rtl][mac][special]",
                   MPSIM_RTL_MAC_MODELS) {
  MacBench<TestType> bench(kSeed + 6);
  const std::vector<std::uint32_t> accs = special_codes(bench.acc_format);
  for (int fa = 0; fa < kNumRtlFormats; ++fa) {
    for (int fb = 0; fb < kNumRtlFormats; ++fb) {
      for (std::uint32_t acc : accs)
        for (std::uint32_t a : special_codes(rtl_format(fa)))
          for (std::uint32_t b : special_codes(rtl_format(fb))) bench.run({acc, a, b, fa, fb, __FILE__, __LINE__});
    }
  }
  bench.flush();
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL MAC: a reserved format code reads as NaN", "[rtl][mac][directed]", MPSIM_RTL_MAC_MODELS) {
  MacBench<TestType> bench(kSeed + 7);
  const std::uint32_t one = exact_code(1.0, bench.acc_format);
  for (int code : kReservedCodes) {
    bench.run({one, 0x3f800000, 0x3f800000, code, kFp32, __FILE__, __LINE__});  // 1 * 1 in a reserved a format
    bench.run({one, 0x3f800000, 0x3f800000, kFp32, code, __FILE__, __LINE__});  // ... b format
    bench.run({0, 0, 0, code, code, __FILE__, __LINE__});                       // even 0 * 0
  }
  bench.flush();
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL MAC: results leave NumPipeRegs cycles later, bubbles stay bubbles", "[rtl][mac][pipeline]",
                   MPSIM_RTL_MAC_MODELS) {
  MacBench<TestType> bench(kSeed + 8);
  OperandGen gen(kSeed + 8);
  for (int i = 0; i < 20000; ++i) {
    if (gen.chance(40)) {
      bench.bubble();
    } else {
      random_triples(bench, gen, 1, -1, -1, __LINE__);
    }
  }
  bench.flush();
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL MAC: 10^8 random triples", "[.slow][rtl][mac]", MPSIM_RTL_MAC_MODELS) {
  constexpr long kEach = 20'000'000;
  random_test<TestType>(kSeed + 9,
                        {{kFp32, kFp32, kEach}, {kFp16, kFp16, kEach}, {kBf16, kBf16, kEach}, {-1, -1, 2 * kEach}});
}
