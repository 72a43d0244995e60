// Shared pieces of the RTL testbenches (STYLE.md 11): a Verilated model with its context and
// seeded X randomisation, optional FST waveforms, the check log with file:line and hex
// operands, the RTL format codes and a TestFloat-style random operand generator.
#pragma once

#include <fmt/format.h>
#include <verilated.h>
#include <verilated_fst_c.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/float_format.hpp"
#include "model/mac.hpp"
#include "model/quantize.hpp"
#include "rtl/driver/port_packing.hpp"

namespace mpsim::rtl_test {

// --- Format codes -------------------------------------------------------------------------------
// The RTL's format code is the index into kPresets (rtl/mpsim_pkg.sv; test_rtl_pkg.cpp checks
// the two tables agree). The RTL supports the first kNumRtlFormats presets.
inline constexpr int kNumRtlFormats = 5;
inline constexpr int kReservedCodes[] = {5, 6, 7};  // read as NaN by the RTL
inline const FloatFormat& rtl_format(int code) { return kPresets[code].format; }
inline const char* rtl_format_name(int code) { return code < kNumRtlFormats ? kPresets[code].name : "reserved"; }
inline std::vector<int> codes_in_mask(int mask) {
  std::vector<int> codes;
  for (int c = 0; c < kNumRtlFormats; ++c)
    if (mask >> c & 1) codes.push_back(c);
  return codes;
}

// --- Waveforms ----------------------------------------------------------------------------------
// MPSIM_RTL_WAVES=DIR dumps every model a test builds to DIR/<model>_<n>.fst (open with
// gtkwave). Combine it with a Catch2 test name filter: the MAC tests run millions of cycles,
// so dumping stops after MPSIM_RTL_WAVES_CYCLES cycles (default 100000) per model.
inline std::string waves_dir() {
  const char* dir = std::getenv("MPSIM_RTL_WAVES");
  return dir ? dir : "";
}
inline std::uint64_t waves_max_cycles() {
  const char* n = std::getenv("MPSIM_RTL_WAVES_CYCLES");
  return n ? std::strtoull(n, nullptr, 10) : 100000;
}

// A Verilated model with its own context. X values are randomised from `seed` (the models are
// built with --x-assign unique --x-initial unique), so reset must initialise all that matters.
template <class Model>
class Dut {
 public:
  Dut(const char* name, std::uint64_t seed) : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->randReset(2);  // 2: randomise initial values (Verilator's --x-initial unique)
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    ctx_->traceEverOn(true);
    model_ = std::make_unique<Model>(ctx_.get(), name);
    const std::string dir = waves_dir();
    if (!dir.empty()) {
      static int serial = 0;
      std::filesystem::create_directories(dir);
      path_ = fmt::format("{}/{}_{}.fst", dir, name, serial++);
      trace_ = std::make_unique<VerilatedFstC>();
      model_->trace(trace_.get(), 99);
      trace_->open(path_.c_str());
    }
  }
  Dut(const Dut&) = delete;
  Dut& operator=(const Dut&) = delete;
  ~Dut() {
    model_->final();
    if (trace_) {
      trace_->close();
      std::fprintf(stderr, "waveform: %s\n", path_.c_str());
    }
  }

  Model* operator->() { return model_.get(); }

  // Settles combinational logic after inputs change (and records the step).
  void eval() {
    model_->eval();
    dump();
  }
  // One clock cycle: the rising edge samples the inputs as they are now.
  void cycle() {
    model_->clk_i = 1;
    eval();
    model_->clk_i = 0;
    eval();
    ++cycles_;
  }
  // Asynchronous reset, held over two clock edges.
  void reset() {
    model_->clk_i = 0;
    model_->rst_ni = 0;
    eval();
    cycle();
    cycle();
    model_->rst_ni = 1;
    eval();
  }
  std::uint64_t cycles() const { return cycles_; }

 private:
  void dump() {
    if (trace_ && cycles_ < waves_max_cycles()) trace_->dump(ctx_->time());
    ctx_->timeInc(1);
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<VerilatedFstC> trace_;
  std::string path_;
  std::uint64_t cycles_ = 0;
};

// --- Checks -------------------------------------------------------------------------------------
// Collects failed checks: each prints file:line and its message (operands, got and expected in
// hex) to stderr, the first kMaxPrinted of them in full, and verdict() turns the count into a
// Catch2 assertion, so any mismatch fails the test and the executable's exit code.
class CheckLog {
 public:
  static constexpr long kMaxPrinted = 20;

  void fail(const char* file, int line, const std::string& message) {
    if (failures_++ < kMaxPrinted) {
      const std::string text = fmt::format("{}:{}: {}", file, line, message);
      std::fprintf(stderr, "%s\n", text.c_str());
      first_.push_back(text);
    }
  }
  void count_check() { ++checks_; }
  long failures() const { return failures_; }
  long checks() const { return checks_; }
  void verdict() const {
    INFO(checks_ << " checks, " << failures_ << " failed; the first: " << (first_.empty() ? "-" : first_.front()));
    CHECK(checks_ > 0);
    REQUIRE(failures_ == 0);
  }

 private:
  long failures_ = 0;
  long checks_ = 0;
  std::vector<std::string> first_;
};

// Checks `cond`; on failure logs file:line and the fmt-formatted message.
#define MPSIM_RTL_CHECK(log, cond, ...)                                    \
  do {                                                                     \
    (log).count_check();                                                   \
    if (!(cond)) (log).fail(__FILE__, __LINE__, fmt::format(__VA_ARGS__)); \
  } while (0)

// Writes a value to a Verilated port of up to 32 bits (rtl/driver/port_packing.hpp).
using rtl_driver::set_port;

inline std::string code_hex(std::uint32_t code, const FloatFormat& f) {
  return fmt::format("0x{:0{}x}", code & f.code_mask(), (f.total_bits() + 3) / 4);
}

// --- Random operands, TestFloat style -------------------------------------------------------
// Uniform random bits almost never make the cases that break a MAC (ties, carries, cancellation,
// subnormals), so, as Berkeley TestFloat's generators do, pick a class first and then the bits,
// with mantissas that are often runs of ones or zeros.
class OperandGen {
 public:
  explicit OperandGen(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t bits() { return rng_(); }
  int uniform(int lo, int hi) { return lo + static_cast<int>(rng_() % static_cast<std::uint64_t>(hi - lo + 1)); }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  // A mantissa field of m bits: random, or a TestFloat-like pattern.
  std::uint32_t mantissa(int m) {
    const std::uint32_t mask = (1u << m) - 1u;
    switch (rng_() % 6) {
      case 0:
        return mask;  // 1.11..1
      case 1:
        return 0;  // 1.00..0
      case 2:
        return 1u << uniform(0, m - 1);  // one bit
      case 3:
        return mask >> uniform(0, m - 1);  // low run of ones
      case 4:
        return (mask << uniform(0, m - 1)) & mask;  // high run of ones
      default:
        return static_cast<std::uint32_t>(rng_()) & mask;
    }
  }

  // A code of f with biased exponent field `field` (clamped to the finite range).
  std::uint32_t with_exponent(const FloatFormat& f, long field, bool negative) {
    field = std::clamp<long>(field, 0, f.max_biased_exponent());
    std::uint32_t man = mantissa(f.man_bits);
    std::uint32_t code = static_cast<std::uint32_t>(field) << f.man_bits | man;
    if (code > f.max_finite_code()) code = f.max_finite_code();  // fn: the top code is NaN
    return code | (negative ? f.sign_bit() : 0u);
  }

  // Any code of f, classes weighted towards the edges.
  std::uint32_t operand(const FloatFormat& f) {
    const bool neg = chance(50);
    const std::uint32_t sign = neg ? f.sign_bit() : 0u;
    const int pick = uniform(0, 99);
    if (pick < 3) return sign;                                                 // +-0
    if (pick < 6) return special(f, neg);                                      // Inf, NaN
    if (pick < 12) return sign | (mantissa(f.man_bits) | 1u);                  // subnormal
    if (pick < 16) return edge(f) | sign;                                      // max, min normal, ...
    if (pick < 30) return static_cast<std::uint32_t>(rng_()) & f.code_mask();  // raw bits
    return with_exponent(f, uniform(1, f.max_biased_exponent()), neg);         // normal
  }

  // A code of `acc` near the value `target` (often the product a*b), so that the sum aligns,
  // carries and cancels: same or nearby binade, either sign, sometimes -target rounded.
  std::uint32_t near(const FloatFormat& acc, double target) {
    if (!(std::abs(target) > 0) || std::isinf(target) || std::isnan(target)) return operand(acc);
    const Encoded rounded = encode(-target, acc);
    if (chance(20) && rounded.uncoded == Uncoded::no) return rounded.bits;  // cancellation
    const int e = std::ilogb(target) + acc.bias + uniform(-acc.man_bits - 4, 3);
    return with_exponent(acc, e, chance(50));
  }

  // Random bits above a narrow format's width: the RTL must ignore them (as decode() does).
  std::uint32_t garbage_above(std::uint32_t code, const FloatFormat& f, int port_bits) {
    if (f.total_bits() >= port_bits || !chance(50)) return code;
    const std::uint32_t port_mask = port_bits >= 32 ? 0xffffffffu : (1u << port_bits) - 1u;
    return (code | (static_cast<std::uint32_t>(rng_()) & ~f.code_mask())) & port_mask;
  }

  std::uint32_t special(const FloatFormat& f, bool negative) {
    const std::uint32_t sign = negative ? f.sign_bit() : 0u;
    if (f.specials == Specials::fn) return sign | f.nan_code();
    switch (rng_() % 3) {
      case 0:
        return sign | f.inf_code();
      case 1:
        return sign | f.nan_code();  // quiet NaN
      default:
        return sign | f.inf_code() | (mantissa(f.man_bits) | 1u);  // any NaN
    }
  }

  std::uint32_t edge(const FloatFormat& f) {
    switch (rng_() % 5) {
      case 0:
        return f.max_finite_code();
      case 1:
        return f.max_finite_code() - 1;
      case 2:
        return 1u << f.man_bits;  // min normal
      case 3:
        return (1u << f.man_bits) - 1;  // max subnormal
      default:
        return 1;  // min subnormal
    }
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace mpsim::rtl_test
