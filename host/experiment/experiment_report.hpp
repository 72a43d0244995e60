// The experiment's result set (issue 8), written by rank 0 from every point:
//   results.csv / results.json   one row per assignment x hw config (mean and spread over seeds)
//   per_layer.csv                DRAM bytes per step by layer and tensor role, every point x hw
//   curves.csv                   training loss and accuracies per epoch, every point
//   plots/*.png (+ .gp scripts)  accuracy vs memory reduction (Pareto front marked), accuracy vs
//                                energy per image, per-layer DRAM traffic by role, training
//                                curves, energy split per hw config
//   report.md                    the table in words, with the plots embedded
// Every file is written through a temporary name and a rename.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "host/config/experiment_config.hpp"
#include "host/experiment/point_result.hpp"

namespace mpsim::host {

// One row of results.csv: an assignment on one hw config, over its seeds.
struct ResultRow {
  std::string assignment, policy, hw;
  int seeds = 0, diverged_runs = 0;
  double test_accuracy_mean = 0, test_accuracy_sd = 0, final_loss_mean = 0;
  double overflow_events_mean = 0, promotions_mean = 0;
  double memory_bits = 0, memory_reduction_vs_fp32 = 0, memory_reduction_vs_mixed16 = 0, low_precision_ratio = 0;
  double dram_read_bytes = 0, dram_write_bytes = 0, sram_bytes = 0;
  double cycles = 0, time_s = 0, images_per_s = 0;
  double energy_mac_uj = 0, energy_sram_uj = 0, energy_dram_uj = 0, energy_static_uj = 0, energy_uj = 0;
  double energy_per_image_uj = 0;
};

// Rows in assignment order, then hw order; `points` in any order.
std::vector<ResultRow> result_rows(const ExperimentConfig& config, const std::vector<PointResult>& points);

std::string results_csv(const std::vector<ResultRow>& rows);

// Writes everything above into config.out. Plot failures (no gnuplot) are reported in
// report.md and returned as warnings; the tables are written regardless. `interrupted` is
// polled before every plot (gnuplot's seconds are most of the report's time); true throws
// ExperimentInterrupted there, report.md unwritten (a re-run, every point cached, writes it).
std::vector<std::string> write_experiment_report(const ExperimentConfig& config, std::vector<PointResult> points,
                                                 const std::function<bool()>& interrupted = {});

}  // namespace mpsim::host
