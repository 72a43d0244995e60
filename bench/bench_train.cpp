// Training speed (issue 7's acceptance): the wall time of one training epoch (without the test
// pass) of a config, for fp32 and each listed policy, in one process on one loaded dataset, so
// the ratios policy / fp32 come from the same machine state. Figures in docs/PERFORMANCE.md.
//
//   bench_train [--config configs/train/lenet5_fmnist.yaml] [--policies fp32,mixed16,hfp8,lee]
//               [--subset N] [--reps R] [--threads T]
#include <omp.h>

#include <sstream>

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
  app.add_option("--reps", reps, "Epochs timed per policy (the median is reported)");
  app.add_option("--threads", threads, "Threads (0: all cores)");
  CLI11_PARSE(app, argc, argv);
  if (threads <= 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  auto backend = kernels::make_backend(kernels::Device::cpu, threads);

  host::TrainConfig base = host::load_train_config(config_path, {"dataset.test_subset=1000", "dataset.train_subset=" + std::to_string(subset)});
  const host::data::DatasetSplit data = host::data::load_dataset(base.dataset);
  fmt::print("config {} ({} x{:g}), {} training images, batch {}, {}\n", config_path, base.model, base.width,
             data.train.count, base.batch, backend->description());
  fmt::print("{:<10} {:>12} {:>12} {:>10} {:>12}\n", "policy", "epoch_s", "steps_per_s", "vs_fp32", "train_acc");
  double fp32_seconds = 0;
  std::stringstream list(policies);
  for (std::string name; std::getline(list, name, ',');) {
    const std::string policy = name == "fp32" ? "uniform" : name;
    host::TrainConfig c = host::load_train_config(config_path, {"epochs=" + std::to_string(reps),
                                                                "dataset.test_subset=1000",
                                                                "dataset.train_subset=" + std::to_string(subset)},
                                                  policy);
    const host::train::TrainResult r = host::train::train(c, data, *backend, {});
    std::vector<double> seconds;
    for (const auto& m : r.state.epochs) seconds.push_back(m.train_seconds);
    const double s = bench::median(seconds);
    if (name == "fp32") fp32_seconds = s;
    const double steps = static_cast<double>(r.state.epochs.front().steps);
    fmt::print("{:<10} {:>12.3f} {:>12.1f} {:>10} {:>11.2f}%\n", name, s, steps / s,
               fp32_seconds > 0 ? fmt::format("{:.2f}x", s / fp32_seconds) : "-",
               100 * r.state.epochs.back().train_accuracy);
    std::fflush(stdout);
  }
  return 0;
}
