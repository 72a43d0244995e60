// `--report scalesim`: COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv
// with SCALE-Sim v2's column names and layout (scalesim/simulator.py, generate_reports: ", "
// separated, every line ending in a comma, one row per layer), one row per GemmOp, so SCALE-Sim
// users can diff the two simulators. What each column holds, and where it departs from
// SCALE-Sim, is written at the top of scalesim_report.cpp.
#pragma once

#include <vector>

#include "host/cli/output_dir.hpp"
#include "model/workload.hpp"
#include "sim/hw_config.hpp"
#include "sim/sim_stats.hpp"

namespace mpsim::cli {

// `w` is the workload `r` was simulated from (same order): it names each op's tensors.
std::vector<OutputFile> scalesim_reports(const sim::SimResult& r, const Workload& w, const sim::HwConfig& hw);

}  // namespace mpsim::cli
