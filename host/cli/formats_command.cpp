// `mpsim formats`: one row per preset with the derived properties, like ml_dtypes' finfo.
#include <cstdio>

#include <fmt/core.h>

#include "host/cli/commands.hpp"
#include "model/format_names.hpp"

namespace mpsim::cli {
namespace {

void print_formats(bool csv) {
  const char* header[] = {"name", "bits", "exp", "man", "bias", "specials", "max_finite", "min_normal", "min_subnormal", "epsilon"};
  if (csv) {
    fmt::print("{},{},{},{},{},{},{},{},{},{}\n", header[0], header[1], header[2], header[3], header[4], header[5],
               header[6], header[7], header[8], header[9]);
  } else {
    fmt::print("{:<10} {:>4} {:>3} {:>3} {:>4} {:<8} {:>16} {:>16} {:>16} {:>16}\n", header[0], header[1], header[2],
               header[3], header[4], header[5], header[6], header[7], header[8], header[9]);
  }
  for (const NamedFormat& p : kPresets) {
    const FloatFormat& f = p.format;
    const std::string min_sub = f.subnormals ? fmt::format("{:.9g}", f.min_positive()) : std::string("-");
    if (csv) {
      fmt::print("{},{},{},{},{},{},{:.9g},{:.9g},{},{:.9g}\n", p.name, f.total_bits(), f.exp_bits, f.man_bits, f.bias,
                 specials_name(f.specials), f.max_finite(), f.min_normal(), min_sub, f.epsilon());
    } else {
      fmt::print("{:<10} {:>4} {:>3} {:>3} {:>4} {:<8} {:>16.9g} {:>16.9g} {:>16} {:>16.9g}\n", p.name, f.total_bits(),
                 f.exp_bits, f.man_bits, f.bias, specials_name(f.specials), f.max_finite(), f.min_normal(), min_sub,
                 f.epsilon());
    }
  }
}

}  // namespace

void add_formats_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("formats", "List the preset float formats and their derived properties");
  static bool csv = false;
  cmd->add_flag("--csv", csv, "Comma-separated output");
  cmd->callback([] { print_formats(csv); });
}

}  // namespace mpsim::cli
