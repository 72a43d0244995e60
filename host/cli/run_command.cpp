// `mpsim run EXPERIMENT.yaml` (issue 8): train every precision assignment of the experiment,
// simulate one training step of each on every hw config, and write the result set and report
// (host/experiment/). Under `mpirun -np N` the points are split across the ranks and rank 0
// writes the same result set a one-process run writes.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "host/cli/commands.hpp"
#include "host/cli/interrupt.hpp"
#include "host/cli/output_dir.hpp"
#include "host/config/experiment_config.hpp"
#include "host/experiment/experiment_report.hpp"
#include "host/experiment/experiment_runner.hpp"
#include "host/experiment/mpi_context.hpp"

namespace mpsim::cli {
namespace {

struct RunOptions {
  std::string experiment, out;
  bool force = false;
};

void print_table(const std::vector<host::ResultRow>& rows) {
  fmt::print("\n{:<16} {:<16} {:>9} {:>9} {:>9} {:>11} {:>10} {:>12}\n", "assignment", "hw", "test acc", "diverged",
             "mem/fp32", "DRAM MB", "ms/step", "uJ/image");
  for (const host::ResultRow& r : rows) {
    fmt::print("{:<16} {:<16} {:>8.2f}% {:>6}/{:<2} {:>8.2f}x {:>11.3f} {:>10.3f} {:>12.2f}\n", r.assignment, r.hw,
               100 * r.test_accuracy_mean, r.diverged_runs, r.seeds, r.memory_reduction_vs_fp32,
               (r.dram_read_bytes + r.dram_write_bytes) / 1e6, 1e3 * r.time_s, r.energy_per_image_uj);
  }
}

int run_experiment(const RunOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  host::MpiContext mpi;  // initialises MPI only under a launcher
  host::ExperimentConfig config;
  try {
    config = host::load_experiment_config(o.experiment);
  } catch (const host::ConfigFieldError& e) {
    throw UsageError(e.what());
  }
  if (!o.out.empty()) config.out = o.out;
  check_output_dir(config.out);
  if (mpi.is_root())
    fmt::print("mpsim run: {} ({} assignments x {} seeds x {} hw configs) -> {}{}\n", o.experiment,
               config.assignments.size(), config.seeds.size(), config.hw.size(), config.out,
               mpi.size() > 1 ? fmt::format(", {} MPI ranks", mpi.size()) : "");
  std::fflush(stdout);
  // Rank 0 locks the directory for all ranks (a lock per rank would refuse the second rank);
  // the others learn of a refusal through the same any() that stops them on a failure.
  std::unique_ptr<OutputDirLock> lock;
  std::string lock_failure;
  if (mpi.is_root()) {
    try {
      lock = std::make_unique<OutputDirLock>(config.out);
    } catch (const std::exception& e) {
      lock_failure = e.what();
    }
  }
  if (mpi.any(!lock_failure.empty())) {
    if (!lock_failure.empty()) fmt::print(stderr, "mpsim run: {}\n", lock_failure);
    return 1;
  }

  host::ExperimentRunOptions options;
  options.default_energy_table = MPSIM_DEFAULT_ENERGY_TABLE;
  options.progress_bar = mpi.size() == 1 && ::isatty(::fileno(stdout)) != 0;
  options.log = stdout;
  options.force = o.force;
  catch_interrupts();
  options.interrupted = [] { return interrupt_signal() != 0; };
  std::vector<host::PointResult> mine;
  std::string failure;
  bool interrupted = false;
  try {
    mine = host::run_experiment_points(config, mpi, options);
  } catch (const host::ExperimentInterrupted& e) {
    interrupted = true;
    std::fflush(stdout);
    fmt::print(stderr, "mpsim run: {}interrupted; {} of {} points finished and are kept in {}/points: run the same "
               "command again to resume\n", mpi.size() > 1 ? fmt::format("rank {}: ", mpi.rank()) : "",
               e.points_done, e.points_owned, config.out);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  // A signal after the last point: the points are all kept, the report is the next run's
  // (every point then cached, seconds).
  if (!interrupted && interrupt_signal() != 0) {
    interrupted = true;
    fmt::print(stderr, "mpsim run: interrupted; every point finished and is kept in {}/points: run the same command "
               "again to write the report\n", config.out);
  }
  if (!failure.empty()) fmt::print(stderr, "mpsim run: rank {}: {}\n", mpi.rank(), failure);
  // Every rank stops together when one failed or was interrupted, rather than waiting forever
  // in the gather.
  if (mpi.any(interrupted)) return 128 + (interrupt_signal() != 0 ? interrupt_signal() : SIGINT);
  if (mpi.any(!failure.empty())) return 1;
  std::vector<std::string> sent;
  for (const host::PointResult& p : mine) sent.push_back(host::point_to_json(p).dump());
  const std::vector<std::string> received = mpi.gather(sent);
  if (!mpi.is_root()) return 0;

  std::vector<host::PointResult> points;
  for (const std::string& s : received) points.push_back(host::point_from_json(nlohmann::json::parse(s)));
  std::vector<std::string> warnings;
  try {
    warnings = host::write_experiment_report(config, points, options.interrupted);
  } catch (const host::ExperimentInterrupted&) {
    fmt::print(stderr, "mpsim run: interrupted while writing the report; every point finished and is kept in {}/points: "
               "run the same command again to write the report\n", config.out);
    return 128 + interrupt_signal();
  }
  print_table(host::result_rows(config, points));
  for (const std::string& w : warnings) fmt::print(stderr, "mpsim run: warning: {}\n", w);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("\nwrote {}/results.csv, results.json, per_layer.csv, curves.csv, report.md and plots/ in {:.1f} s\n",
             config.out, seconds);
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Co-design experiment: train each precision assignment, simulate its training step on each hw config");
  cmd->add_option("experiment", o->experiment, "Experiment YAML (configs/experiments/*.yaml)")->required();
  cmd->add_option("--out", o->out, "Output directory (default: the experiment's `out`)");
  cmd->add_flag("--force", o->force, "Re-run every point, ignoring cached results");
  cmd->callback([o] {
    const int status = run_experiment(*o);
    if (status != 0) std::exit(status);
  });
}

}  // namespace mpsim::cli
