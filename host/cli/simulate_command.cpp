// `mpsim simulate`: time a workload (a JSON-lines Workload or a SCALE-Sim topology CSV) on an
// accelerator (mpsim YAML or SCALE-Sim .cfg) with sim/, print a per-op table and a summary, and
// write ops.csv and summary.json (and SCALE-Sim's three reports) to --out DIR.
//
// Order of work, so a bad input costs nothing and writes nothing: every flag and file is read
// and checked first, then the simulation runs, then all output files are written at once
// (host/cli/output_dir.hpp). Defaults that depend on the inputs:
// - timing: the hw file's (`timing:` in YAML; scalesim for a SCALE-Sim .cfg).
// - conv output size of a topology: `scalesim` (SCALE-Sim's ceil((H - F + S) / S) on the
//   unpadded input) under scalesim timing, so the layer shapes are SCALE-Sim's; `valid`
//   (PyTorch's floor((H - F) / S) + 1, the file's input taken as already padded) under mpsim
//   timing. `same` pads as torchvision's ResNets do.
// - operand formats of a topology: one byte per word (e4m3 A, B, C, fp32 accumulation) with a
//   SCALE-Sim .cfg, as SCALE-Sim counts; fp32 throughout with an mpsim YAML.
#include <optional>
#include <string>

#include <fmt/core.h>

#include "host/cli/commands.hpp"
#include "host/cli/operand_formats_option.hpp"
#include "host/cli/options.hpp"
#include "host/cli/output_dir.hpp"
#include "host/cli/scalesim_report.hpp"
#include "host/cli/sim_report.hpp"
#include "sim/energy_table.hpp"
#include "sim/hw_config.hpp"
#include "sim/scalesim_topology.hpp"
#include "sim/simulator.hpp"

namespace mpsim::cli {
namespace {

struct SimulateOptions {
  std::string hw_path, workload_path, energy_path, out_dir;
  std::string engine = "model", timing, conv_output, formats, report;
  bool training = false, terms = false;
  std::int64_t batch = 1;
  bool batch_given = false;
  std::uint64_t seed = 1;
};

const std::map<std::string, sim::Engine> kEngineNames = {{"model", sim::Engine::model}, {"rtl", sim::Engine::rtl}};
const std::map<std::string, sim::TimingMode> kTimingNames = {{"mpsim", sim::TimingMode::mpsim},
                                                             {"scalesim", sim::TimingMode::scalesim}};
const std::map<std::string, sim::ConvOutput> kConvOutputNames = {
    {"scalesim", sim::ConvOutput::scalesim}, {"valid", sim::ConvOutput::valid}, {"same", sim::ConvOutput::same}};
const std::map<std::string, bool> kReportNames = {{"scalesim", true}};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

enum class WorkloadKind { json_lines, topology };

WorkloadKind workload_kind(const std::string& path) {
  if (ends_with(path, ".jsonl") || ends_with(path, ".json")) return WorkloadKind::json_lines;
  if (ends_with(path, ".csv")) return WorkloadKind::topology;
  throw UsageError("--workload: '" + path +
                   "' is neither a JSON-lines workload (.jsonl) nor a SCALE-Sim topology (.csv)");
}

// The energy table: --energy, else the hw file's `energy_table`, else the default shipped
// next to the configs (the build records where the source tree is).
std::string energy_table_path(const SimulateOptions& o, const sim::HwConfig& hw) {
  if (!o.energy_path.empty()) return o.energy_path;
  if (!hw.energy_table_path.empty()) return hw.energy_table_path;
  return MPSIM_DEFAULT_ENERGY_TABLE;
}

// Input-file errors become usage errors: one line naming the file, exit status 2.
template <typename F>
auto read_input(F&& read) {
  try {
    return read();
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

void run_simulate(const SimulateOptions& o) {
  // 1. Flags that need no file.
  const sim::Engine engine = enum_option("--engine", o.engine, kEngineNames);
  const bool scalesim_report = !o.report.empty() && enum_option("--report", o.report, kReportNames);
  if (scalesim_report && o.out_dir.empty()) throw UsageError("--report scalesim needs --out DIR to write to");
  const OperandFormatOverrides overrides = o.formats.empty() ? OperandFormatOverrides{} : parse_operand_formats(o.formats);
  const WorkloadKind kind = workload_kind(o.workload_path);
  if (kind == WorkloadKind::json_lines) {
    const char* topology_only = o.training ? "--training" : o.batch_given ? "--batch" : !o.conv_output.empty() ? "--conv-output" : nullptr;
    if (topology_only) {
      throw UsageError(std::string(topology_only) +
                       " applies to a topology .csv; a .jsonl workload lists its GEMMs, backward ones included");
    }
  }
  if (o.batch < 1 || o.batch > sim::kMaxBatch) {
    throw UsageError(fmt::format("--batch: {} is not from 1 to {}", o.batch, sim::kMaxBatch));
  }
  if (!o.out_dir.empty()) check_output_dir(o.out_dir);

  // 2. Files.
  const sim::HwConfig hw = read_input([&] { return sim::load_hw_config(o.hw_path); });
  const sim::TimingMode timing = o.timing.empty() ? hw.timing : enum_option("--timing", o.timing, kTimingNames);
  RunInfo info;
  info.hw_path = o.hw_path;
  info.workload_path = o.workload_path;
  info.engine = o.engine;
  info.timing = sim::timing_mode_name(timing);
  Workload workload;
  if (kind == WorkloadKind::topology) {
    sim::TopologyOptions t;
    t.training = o.training;
    t.batch = o.batch;
    t.conv_output = !o.conv_output.empty() ? enum_option("--conv-output", o.conv_output, kConvOutputNames)
                    : timing == sim::TimingMode::scalesim ? sim::ConvOutput::scalesim
                                                          : sim::ConvOutput::valid;
    // SCALE-Sim counts one byte per word; e4m3 is mpsim's one-byte format.
    const bool scalesim_cfg = ends_with(o.hw_path, ".cfg");
    const sim::OperandFormats defaults =
        scalesim_cfg ? sim::OperandFormats{formats::e4m3, formats::e4m3, formats::e4m3, formats::fp32}
                     : sim::OperandFormats{};
    t.formats = resolve_operand_formats(overrides, defaults);
    workload = read_input([&] { return sim::read_scalesim_topology_file(o.workload_path, t); });
    apply_operand_formats(overrides, workload);  // the role keys; positions are already in t.formats
    info.topology = true;
    info.conv_output = sim::conv_output_name(t.conv_output);
    info.training = t.training;
    info.batch = t.batch;
    info.formats = operand_formats_text(t.formats, overrides);
  } else {
    workload = read_input([&] { return read_workload_file(o.workload_path); });
    if (!overrides.empty()) {
      apply_operand_formats(overrides, workload);
      info.formats = o.formats;
    }
  }
  info.energy_path = energy_table_path(o, hw);
  const sim::EnergyTable energy = read_input([&] { return sim::load_energy_table(info.energy_path); });

  // 3. Simulate. A request the config cannot run (rtl engine not built, a format the energy
  // table cannot price) is a usage error too.
  sim::SimOptions options;
  options.engine = engine;
  options.timing = timing;
  options.seed = o.seed;
  const sim::SimResult result = read_input([&] { return sim::simulate(workload, hw, energy, options); });

  // 4. Report, then write everything at once.
  fmt::print("{}\n{}", op_table(result, o.terms), summary_text(result, hw, info));
  if (!o.out_dir.empty()) {
    std::vector<OutputFile> files = {{"ops.csv", ops_csv(result)}, {"summary.json", summary_json(result, hw, info)}};
    if (scalesim_report) {
      for (OutputFile& f : scalesim_reports(result, workload, hw)) files.push_back(std::move(f));
    }
    write_output_files(o.out_dir, files);
    std::string names;
    for (const OutputFile& f : files) names += (names.empty() ? "" : ", ") + f.name;
    fmt::print("{:<10} {}: {}\n", "wrote", o.out_dir, names);
  }
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  static SimulateOptions o;
  auto* cmd = app.add_subcommand("simulate", "Time a workload on an accelerator config (SystemC model of sim/)");
  cmd->add_option("--hw", o.hw_path, "Accelerator: configs/hw/*.yaml, or a SCALE-Sim .cfg")->required();
  cmd->add_option("--workload", o.workload_path, "GEMMs: a Workload .jsonl, or a SCALE-Sim topology .csv")->required();
  cmd->add_option("--engine", o.engine, "Array engine: model (tile formula) or rtl (Verilated array)")
      ->capture_default_str();
  cmd->add_option("--timing", o.timing, "Timing mode: mpsim or scalesim (default: the hw file's)");
  cmd->add_flag("--training", o.training, "Topology: add each layer's backward-data and backward-weight GEMMs");
  CLI::Option* batch = cmd->add_option("--batch", o.batch, "Topology: batch size, multiplies M")->capture_default_str();
  cmd->add_option("--conv-output", o.conv_output,
                  "Topology conv output size: scalesim, valid or same (default: scalesim under scalesim timing, "
                  "valid under mpsim)");
  cmd->add_option("--formats", o.formats,
                  "Operand formats by position and/or tensor role, e.g. A=e4m3,B=e4m3,C=fp32,acc=fp32 or "
                  "weight=e4m3,activation_grad=e5m2 (a role wins over a position)");
  cmd->add_option("--energy", o.energy_path, "Energy table YAML (default: the hw file's, else Horowitz 45 nm)");
  cmd->add_option("--out", o.out_dir, "Write ops.csv and summary.json to this directory");
  cmd->add_option("--report", o.report, "Also write SCALE-Sim's reports: scalesim");
  cmd->add_flag("--terms", o.terms, "Print per op the terms by which mpsim and scalesim timing differ");
  cmd->add_option("--seed", o.seed, "rtl engine: seed of the operand values")->capture_default_str();
  cmd->callback([batch] {
    o.batch_given = batch->count() > 0;
    run_simulate(o);
  });
}

}  // namespace mpsim::cli
