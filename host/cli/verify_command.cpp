// `mpsim verify`: takes real GEMM tiles from one training step (operands as the chosen
// precision assignment quantized them) and computes each through every path that exists
// (host/verify/verify_paths.hpp): model/'s dot(), gemm_exact on the CPU and CUDA backends, the
// Verilated RTL array and the SystemC rtl engine. Bits must agree with dot() and the RTL's
// cycles with the SystemC model engine's; exit status 1 otherwise, with the first mismatching
// operands in hex. Bad flags or configs: one line, exit status 2.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "host/cli/commands.hpp"
#include "host/config/train_config.hpp"
#include "host/data/dataset.hpp"
#include "host/verify/step_tiles.hpp"
#include "host/verify/verify_paths.hpp"
#include "host/verify/verify_report.hpp"
#include "kernels/backend.hpp"
#include "model/format_names.hpp"

namespace mpsim::cli {
namespace {

const std::vector<std::string> kPaths = {"cpu", "cuda", "rtl", "systemc"};

struct VerifyOptions {
  std::string config = MPSIM_DEFAULT_VERIFY_CONFIG, policy;
  std::vector<std::string> overrides, paths = kPaths;
  int tiles = 2, k = 32;
  std::uint64_t seed = 1;
};

int run_verify(const VerifyOptions& o) {
  if (o.tiles < 1 || o.tiles > 1000) throw UsageError("--tiles: tiles per GEMM, from 1 to 1000");
  if (o.k < 1 || o.k > 4096) throw UsageError("--k: tile depth, from 1 to 4096");
  std::set<std::string> paths;
  for (const std::string& p : o.paths) {
    if (std::find(kPaths.begin(), kPaths.end(), p) == kPaths.end())
      throw UsageError("--paths: unknown path '" + p + "'; allowed: cpu, cuda, rtl, systemc");
    paths.insert(p);
  }
  host::TrainConfig config;
  host::data::DatasetSplit data;
  try {
    config = host::load_train_config(o.config, o.overrides, o.policy);
    data = host::data::load_dataset(config.dataset);
  } catch (const host::ConfigFieldError& e) {
    throw UsageError(e.what());
  } catch (const host::data::DataError& e) {
    throw UsageError(e.what());
  }

  // The step runs on the CPU backend: the tiles are the same bits whichever backend trains.
  std::unique_ptr<kernels::Backend> cpu = kernels::make_backend(kernels::Device::cpu);
  host::verify::TileShape shape;
  shape.rows = host::verify::rtl_rows();
  shape.cols = host::verify::rtl_cols();
  shape.k = o.k;
  shape.per_gemm = o.tiles;
  shape.seed = o.seed;
  const host::verify::StepTiles step = host::verify::capture_step_tiles(config, data, *cpu, shape);
  const auto& tiles = step.tiles;

  fmt::print("mpsim verify: {} ({}), policy {}, one training step (batch {}): {} GEMMs, {} tiles of up to {} x {} x {}\n",
             o.config, config.model, config.policy_name, step.batch, step.gemms, tiles.size(), shape.rows, o.k,
             shape.cols);
  std::map<std::string, int> combos;  // "A x B -> acc" and how many tiles have it
  for (const auto& t : tiles)
    ++combos[fmt::format("{} x {} -> {}", format_name(t.formats.a), format_name(t.formats.b), format_name(t.formats.acc))];
  std::string list;
  for (const auto& [combo, count] : combos) list += fmt::format("{}{}: {}", list.empty() ? "" : ", ", combo, count);
  fmt::print("formats (A x B -> accumulator: tiles): {}\n", list);
  std::map<Phase, int> phases;
  for (const auto& t : tiles) ++phases[t.phase];
  fmt::print("phases (tiles): fwd {}, bwd_data {}, bwd_weight {}\n\n", phases[Phase::fwd], phases[Phase::bwd_data],
             phases[Phase::bwd_weight]);

  std::vector<host::verify::PathRun> runs;
  runs.push_back(host::verify::run_golden(tiles));
  for (const char* device : {"cpu", "cuda"}) {
    if (paths.count(device)) runs.push_back(host::verify::run_backend(tiles, device));
  }
  // The SystemC path first: its model engine run gives the cycles the RTL is held to.
  host::verify::PathRun systemc;
  if (paths.count("systemc")) systemc = host::verify::run_systemc(tiles, MPSIM_DEFAULT_ENERGY_TABLE);
  if (paths.count("rtl")) runs.push_back(host::verify::run_rtl_cpp(tiles, o.seed, systemc.expected_cycles));
  if (paths.count("systemc")) runs.push_back(std::move(systemc));

  if (const char* key = std::getenv("MPSIM_VERIFY_CORRUPT")) host::verify::corrupt_first_output(runs, key);
  const host::verify::VerifyOutcome outcome = host::verify::compare_paths(tiles, runs);
  fmt::print("{}", host::verify::render_table(outcome));
  if (!outcome.ok()) {
    std::fflush(stdout);
    fmt::print(stderr, "{}{}mpsim verify: FAILED\n", outcome.first_mismatch, outcome.first_cycle_miss);
    return 1;
  }
  std::int64_t compared = 0, timed = 0;
  for (const auto& row : outcome.rows) {
    if (!row.reference) compared += row.outputs;
    timed += row.cycles_checked;
  }
  fmt::print("\n{} outputs of the other paths equal model/'s dot() bit for bit; {} RTL tile runs took the model "
             "engine's cycles\n", compared, timed);
  return 0;
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand("verify", "Run real training GEMM tiles through every path and compare bits and cycles");
  cmd->add_option("--config", o->config, "Training config YAML (default configs/train/tiny_synthetic.yaml)");
  cmd->add_option("--policy", o->policy, "Policy name, replacing the config's policy (its defaults)");
  cmd->add_option("--set", o->overrides, "key=value override of a config key (dotted, e.g. policy.format=e4m3)");
  cmd->add_option("--tiles", o->tiles, "Tiles taken from each GEMM of the step (default 2)");
  cmd->add_option("--k", o->k, "Tile depth: reduction indices per tile (default 32)");
  cmd->add_option("--seed", o->seed, "Where the tiles are cut (default 1)");
  cmd->add_option("--paths", o->paths, "Paths besides model/'s dot(): cpu cuda rtl systemc (default all)");
  cmd->callback([o] {
    const int status = run_verify(*o);
    if (status != 0) std::exit(status);
  });
}

}  // namespace mpsim::cli
