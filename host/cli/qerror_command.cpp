// `mpsim qerror`: how much each format loses on Gaussian data at several scales: relative RMS
// error, share of nonzero values flushed to zero, share of values beyond max finite. A first,
// real answer to "which tensors can live in fp8?" until training runs (make run prints it).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "host/cli/commands.hpp"
#include "host/cli/options.hpp"
#include "model/format_names.hpp"
#include "model/quantize.hpp"

namespace mpsim::cli {
namespace {

struct QerrorOptions {
  std::vector<std::string> format_names;
  std::vector<double> sigmas{1e-4, 1.0, 1e3};
  std::size_t samples = 100000;
  std::uint64_t seed = 1;
};

struct ErrorStats {
  double relative_rms = 0;  // sqrt(sum (q - x)^2 / sum x^2)
  double flushed = 0;       // share of x != 0 with q == 0
  double saturated = 0;     // share of |x| > max finite
};

ErrorStats measure(const FloatFormat& f, const std::vector<double>& samples) {
  double error_sq = 0, signal_sq = 0;
  std::size_t flushed = 0, saturated = 0;
  for (double x : samples) {
    const double q = quantize(x, f);  // nearest even, saturating: the training default
    error_sq += (q - x) * (q - x);
    signal_sq += x * x;
    flushed += (q == 0.0 && x != 0.0) ? 1 : 0;
    saturated += std::fabs(x) > f.max_finite() ? 1 : 0;
  }
  const auto n = static_cast<double>(samples.size());
  return {std::sqrt(error_sq / signal_sq), static_cast<double>(flushed) / n, static_cast<double>(saturated) / n};
}

void run_qerror(const QerrorOptions& options) {
  std::vector<NamedFormat> chosen;
  if (options.format_names.empty()) chosen.assign(std::begin(kPresets), std::end(kPresets));
  for (const std::string& name : options.format_names) chosen.push_back({name.c_str(), format_option("--formats", name), ""});

  fmt::print("Quantization error on N(0, sigma^2), {} samples, seed {}, nearest-even, saturating\n", options.samples,
             options.seed);
  fmt::print("{:<14} {:>8} {:>14} {:>10} {:>12}\n", "format", "sigma", "rel_rms_error", "flushed_%", "saturated_%");
  for (double sigma : options.sigmas) {
    std::mt19937_64 rng(options.seed);
    std::normal_distribution<double> normal(0.0, sigma);
    std::vector<double> samples(options.samples);
    for (double& x : samples) x = normal(rng);
    for (const NamedFormat& p : chosen) {
      const ErrorStats s = measure(p.format, samples);
      fmt::print("{:<14} {:>8.3g} {:>14.4e} {:>10.3f} {:>12.3f}\n", p.name, sigma, s.relative_rms, 100 * s.flushed,
                 100 * s.saturated);
    }
  }
}

}  // namespace

void add_qerror_command(CLI::App& app) {
  static QerrorOptions options;
  auto* cmd = app.add_subcommand("qerror", "Quantization error of formats on Gaussian data at several scales");
  cmd->add_option("--formats", options.format_names, "Formats to compare (default: every preset)");
  cmd->add_option("--sigmas", options.sigmas, "Standard deviations of the data")->capture_default_str();
  cmd->add_option("--samples", options.samples, "Samples per sigma")->check(CLI::Range(1, 100000000))->capture_default_str();
  cmd->add_option("--seed", options.seed, "Seed of the data")->capture_default_str();
  cmd->callback([] { run_qerror(options); });
}

}  // namespace mpsim::cli
