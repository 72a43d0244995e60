// `mpsim quantize`: round numbers from stdin, one per line, to a format; print code and value.
//
//   $ printf '0.3\n1000\n' | mpsim quantize --format e4m3
//   0x2a 0.3125
//   0x7e 448
#include <cinttypes>
#include <cmath>
#include <iostream>
#include <string>

#include <fmt/core.h>

#include "host/cli/commands.hpp"
#include "host/cli/number_parser.hpp"
#include "host/cli/options.hpp"
#include "model/format_names.hpp"
#include "model/philox.hpp"
#include "model/quantize.hpp"

namespace mpsim::cli {

namespace {

struct QuantizeOptions {
  std::string format_name;
  std::string rounding = "nearest";
  std::string overflow = "saturate";
  std::uint64_t seed = 0;
};

// printf's %.9g, but NaN without a sign: the sign of a NaN carries no meaning here.
std::string value_text(double v) { return std::isnan(v) ? "nan" : fmt::format("{:.9g}", v); }

std::string bits_text(const Encoded& e, const FloatFormat& f) {
  switch (e.uncoded) {
    case Uncoded::pos_inf: return "inf";
    case Uncoded::neg_inf: return "-inf";
    case Uncoded::nan: return "nan";
    case Uncoded::no: break;
  }
  return fmt::format("0x{:0{}x}", e.bits, (f.total_bits() + 3) / 4);
}

void run_quantize(const QuantizeOptions& options) {
  const FloatFormat format = format_option("--format", options.format_name);
  const RoundingSpec spec{enum_option("--rounding", options.rounding, kRoundingNames),
                          enum_option("--overflow", options.overflow, kOverflowNames)};
  std::string line;
  for (std::uint64_t line_number = 1; std::getline(std::cin, line); ++line_number) {
    const std::optional<double> x = parse_number(line);
    if (!x) {
      throw UsageError(fmt::format("stdin line {}: '{}' is not a number (expected a decimal, a hex float such as "
                                   "0x1.8p-3, inf, -inf or nan)",
                                   line_number, line.substr(0, 40)));
    }
    // Stochastic rounding draws the bits of line n from Philox(seed, stream 0, element n - 1).
    const std::uint32_t random = random_bits(options.seed, 0, line_number - 1);
    const Encoded e = encode(*x, format, spec, random);
    fmt::print("{} {}\n", bits_text(e, format), value_text(value_of(e, format)));
  }
}

}  // namespace

void add_quantize_command(CLI::App& app) {
  // CLI11 2.1 wraps "-1" into a uint64_t silently; reject a sign before conversion.
  static const CLI::Validator kUnsigned(
      [](const std::string& text) { return text.find('-') == std::string::npos ? "" : "must be a non-negative integer"; },
      "");
  static QuantizeOptions options;
  auto* cmd = app.add_subcommand("quantize", "Round numbers read from stdin (one per line) to a format");
  cmd->add_option("--format", options.format_name, "Preset name or eXmY[_bN][_ieee|_fn|_fnuz|_none][_ftz]")->required();
  cmd->add_option("--rounding", options.rounding, "nearest (ties to even), away (ties away), zero or stochastic")
      ->capture_default_str();
  cmd->add_option("--overflow", options.overflow, "Finite values beyond max: saturate to max, or inf (OCP non-saturating)")
      ->capture_default_str();
  cmd->add_option("--seed", options.seed, "Seed of the stochastic rounding bits (Philox4x32-10)")
      ->check(kUnsigned)
      ->capture_default_str();
  cmd->callback([] { run_quantize(options); });
}

}  // namespace mpsim::cli
