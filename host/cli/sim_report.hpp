// What `mpsim simulate` prints and writes: the per-op table and the summary on stdout, the
// per-op CSV (ops.csv) and the summary JSON (summary.json) for --out DIR.
#pragma once

#include <cstdint>
#include <string>

#include "model/workload.hpp"
#include "sim/hw_config.hpp"
#include "sim/sim_stats.hpp"

namespace mpsim::cli {

// How the run was asked for, echoed in the summary so a result file says where it came from.
struct RunInfo {
  std::string hw_path, workload_path, energy_path;
  std::string engine, timing;
  bool topology = false;     // the workload was a SCALE-Sim topology .csv
  std::string conv_output;   // topology only
  bool training = false;     // topology only
  std::int64_t batch = 1;    // topology only
  std::string formats;       // the --formats in effect ("" for a .jsonl workload without it)
};

// Fixed-width columns; `terms` adds the per-op terms by which the two timing modes differ.
std::string op_table(const sim::SimResult& r, bool terms);
std::string summary_text(const sim::SimResult& r, const sim::HwConfig& hw, const RunInfo& info);

// One row per op, every OpStats field; header names are stable for scripts (README.md,
// "Simulating a workload").
std::string ops_csv(const sim::SimResult& r);
std::string summary_json(const sim::SimResult& r, const sim::HwConfig& hw, const RunInfo& info);

}  // namespace mpsim::cli
