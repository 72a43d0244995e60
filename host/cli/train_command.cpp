// `mpsim train`: read and validate the training config (nothing is written before it passes),
// load the data, then train, or only explain the assignment or emit one step's Workload.
#include <omp.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "host/cli/commands.hpp"
#include "host/cli/interrupt.hpp"
#include "host/cli/output_dir.hpp"
#include "host/config/train_config.hpp"
#include "host/data/dataset.hpp"
#include "host/train/checkpoint.hpp"
#include "host/train/trainer.hpp"
#include "kernels/backend.hpp"
#include "model/format_names.hpp"

namespace mpsim::cli {
namespace {

struct TrainOptions {
  std::string config, policy, backend = "cpu", out, emit_workload;
  std::vector<std::string> overrides;
  int threads = 0, epochs = 0;
  bool resume = false, explain = false;
};

int run_train(const TrainOptions& o) {
  std::vector<std::string> overrides = o.overrides;
  if (o.epochs > 0) overrides.push_back("epochs=" + std::to_string(o.epochs));
  host::TrainConfig config;
  try {
    config = host::load_train_config(o.config, overrides, o.policy);
  } catch (const host::ConfigFieldError& e) {
    throw UsageError(e.what());
  }
  if (o.threads < 0) throw UsageError("--threads: must be 0 (all cores) or positive");
  kernels::Device device;
  try {
    device = kernels::parse_device(o.backend);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--backend: ") + e.what());
  }
  const std::string out = o.out.empty() ? "runs/" + std::filesystem::path(o.config).stem().string() : o.out;
  check_output_dir(out);
  if (o.resume && !std::filesystem::exists(out + "/checkpoint.bin"))
    throw UsageError("--resume: no checkpoint in " + out + " (" + out + "/checkpoint.bin)");
  const int threads = o.threads > 0 ? o.threads : omp_get_num_procs();
  omp_set_num_threads(threads);  // OpenMP loops outside the backend (data); the backend takes the same count
  std::unique_ptr<kernels::Backend> backend = kernels::make_backend(device, threads);

  host::data::DatasetSplit data;
  try {
    data = host::data::load_dataset(config.dataset);
  } catch (const host::data::DataError& e) {
    throw UsageError(e.what());
  }

  if (o.explain) {
    fmt::print("{}", host::train::explain_assignment(config, data, *backend));
    return 0;
  }
  if (!o.emit_workload.empty()) {
    const Workload w = host::train::step_workload(config, data, *backend);
    write_workload_file(o.emit_workload, w);
    fmt::print("wrote {} GEMMs ({} MACs per step, batch {}) to {}\n", w.ops.size(), w.macs(), config.batch,
               o.emit_workload);
    return 0;
  }

  // Only now, with the config and data good: a rejected run leaves --out untouched.
  const OutputDirLock lock(out);
  fmt::print("mpsim train: {} ({} x{:g}) on {} ({} train, {} test), policy {}, {} epochs, batch {}, {}\n", o.config,
             config.model, config.width, config.dataset.name, data.train.count, data.test.count, config.policy_name,
             config.epochs, config.batch, backend->description());
  host::train::TrainOptions options;
  options.out_dir = out;
  options.resume = o.resume;
  options.progress_bar = ::isatty(::fileno(stdout)) != 0;
  options.log = stdout;
  catch_interrupts();
  options.interrupted = [] { return interrupt_signal() != 0; };
  host::train::TrainResult r;
  try {
    r = host::train::train(config, data, *backend, options);
  } catch (const host::train::CheckpointError& e) {
    throw UsageError(e.what());
  } catch (const host::train::Interrupted& e) {
    std::fflush(stdout);
    if (e.epochs_done > 0)
      fmt::print(stderr, "mpsim train: interrupted; {}/checkpoint.bin keeps epoch {} of {}: run the same command{} to "
                 "continue\n", out, e.epochs_done, config.epochs, o.resume ? " again" : " with --resume");
    else
      fmt::print(stderr, "mpsim train: interrupted before the first epoch ended; nothing to resume: run the same "
                 "command again\n");
    return 128 + interrupt_signal();
  }
  const auto& last = r.state.epochs.empty() ? host::train::EpochMetrics{} : r.state.epochs.back();
  fmt::print("status {}: test accuracy {:.2f}%, memory {:.3g} Mbit ({:.2f}x less than fp32, {:.2f}x less than mixed16), "
             "low-precision ratio {:.3f}; {}\n",
             r.state.status, 100 * last.test_accuracy, static_cast<double>(r.memory.bits) / 1e6,
             r.memory.reduction_vs(r.memory.bits_fp32), r.memory.reduction_vs(r.mixed16_bits),
             r.memory.low_precision_ratio(), out);
  if (!r.state.divergence_reason.empty()) fmt::print("diverged: {}\n", r.state.divergence_reason);
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Train a network with a precision policy (configs/train/*.yaml)");
  cmd->add_option("--config", o->config, "Training config YAML")->required();
  cmd->add_option("--policy", o->policy, "Policy name, replacing the config's policy (its defaults)");
  cmd->add_option("--set", o->overrides, "key=value override of a config key (dotted, e.g. optimizer.lr=0.05)");
  cmd->add_option("--backend", o->backend, "cpu | cuda");
  cmd->add_option("--threads", o->threads, "CPU threads (0: all cores)");
  cmd->add_option("--out", o->out, "Output directory (default runs/<config name>)");
  cmd->add_flag("--resume", o->resume, "Continue from the checkpoint in --out");
  cmd->add_option("--emit-workload", o->emit_workload, "Write one training step's GEMMs as JSON lines and exit");
  cmd->add_flag("--explain-assignment", o->explain, "Print the policy's assignment decision and exit");
  cmd->add_option("--epochs", o->epochs, "Override the config's epochs");
  cmd->callback([o] {
    const int status = run_train(*o);
    if (status != 0) std::exit(status);
  });
}

}  // namespace mpsim::cli
