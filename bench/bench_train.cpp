// Training speed (issue 7's acceptance): the wall time of one training epoch (without the test
// pass) of a config, for fp32 and each listed policy, in one process on one loaded dataset.
// Rounds are interleaved: each round trains one epoch of every policy in turn (a fresh run from
// the same seed, so every round does the same work), and a policy's ratio to fp32 is the median
// of its per-round ratios. A machine whose speed drifts (these VMs are shared) then moves both
// sides of each ratio together. Figures in docs/PERFORMANCE.md.
//
//   bench_train [--config configs/train/lenet5_fmnist.yaml] [--policies fp32,mixed16,hfp8,lee]
//               [--subset N] [--reps R] [--threads T]
#include <omp.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "bench/bench_timing.hpp"
#include "host/config/train_config.hpp"
#include "host/train/trainer.hpp"
#include "kernels/backend.hpp"

using namespace mpsim;

int main(int argc, char** argv) {
  CLI::App app{"bench_train: seconds per training epoch, fp32 and policies"};
  std::string config_path = std::string(MPSIM_SOURCE_DIR) + "/configs/train/lenet5_fmnist.yaml";
  std::string policies = "fp32,mixed16,hfp8,lee";
  std::int64_t subset = 0;
  int reps = 1, threads = 0;
  app.add_option("--config", config_path, "Training config");
  app.add_option("--policies", policies, "Comma-separated policy names (fp32 = uniform fp32)");
  app.add_option("--subset", subset, "Training images per epoch (0: all)");
  app.add_option("--reps", reps, "Rounds: epochs timed per policy, interleaved (the median is reported)");
  app.add_option("--threads", threads, "Threads (0: all cores)");
  CLI11_PARSE(app, argc, argv);
  if (threads <= 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  auto backend = kernels::make_backend(kernels::Device::cpu, threads);

  host::TrainConfig base = host::load_train_config(config_path, {"dataset.test_subset=1000", "dataset.train_subset=" + std::to_string(subset)});
  const host::data::DatasetSplit data = host::data::load_dataset(base.dataset);
  fmt::print("config {} ({} x{:g}), {} training images, batch {}, {}\n", config_path, base.model, base.width,
             data.train.count, base.batch, backend->description());
  fmt::print("{:<12} {:>10} {:>12} {:>10} {:>12}\n", "policy", "epoch_s", "steps_per_s", "vs_fp32", "train_acc");
  std::vector<std::string> names;
  std::stringstream list(policies);
  for (std::string name; std::getline(list, name, ',');) names.push_back(name);
  std::vector<std::vector<double>> seconds(names.size());
  std::vector<double> train_accuracy(names.size());
  std::int64_t steps = 0;
  for (int round = 0; round < reps; ++round)
    for (std::size_t p = 0; p < names.size(); ++p) {
      const std::string policy = names[p] == "fp32" ? "uniform" : names[p];
      const host::TrainConfig c = host::load_train_config(
          config_path, {"epochs=1", "dataset.test_subset=1000", "dataset.train_subset=" + std::to_string(subset)}, policy);
      const host::train::TrainResult r = host::train::train(c, data, *backend, {});
      seconds[p].push_back(r.state.epochs.front().train_seconds);
      train_accuracy[p] = r.state.epochs.front().train_accuracy;
      steps = r.state.epochs.front().steps;
    }
  const auto fp32 = std::find(names.begin(), names.end(), "fp32");
  for (std::size_t p = 0; p < names.size(); ++p) {
    std::string ratio = "-";
    if (fp32 != names.end()) {
      const auto& reference = seconds[static_cast<std::size_t>(fp32 - names.begin())];
      std::vector<double> ratios;
      for (int round = 0; round < reps; ++round)
        ratios.push_back(seconds[p][static_cast<std::size_t>(round)] / reference[static_cast<std::size_t>(round)]);
      ratio = fmt::format("{:.2f}x", bench::median(ratios));
    }
    const double s = bench::median(seconds[p]);
    fmt::print("{:<12} {:>10.3f} {:>12.1f} {:>10} {:>11.2f}%\n", names[p], s, static_cast<double>(steps) / s, ratio,
               100 * train_accuracy[p]);
  }
  return 0;
}
