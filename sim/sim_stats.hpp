// What sim/ reports for each GemmOp and for the whole step (issue 5, "Statistics"). Cycles are
// array clock cycles; time is cycles at the configured clock. Every field is filled in both
// timing modes; `modes` carries the terms by which mpsim and scalesim timing differ.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/float_format.hpp"
#include "model/workload.hpp"
#include "sim/hw_config.hpp"

namespace mpsim::sim {

// Traffic of one SRAM buffer. Reads: by the array, and by the DMA writing results back to
// DRAM. Writes: by the DMA filling it from DRAM, and by the array (C: results and partial sums).
struct SramTraffic {
  std::int64_t read_elements = 0, write_elements = 0;
  std::int64_t read_bytes = 0, write_bytes = 0;
  SramTraffic& operator+=(const SramTraffic& o);
};

// DRAM traffic of one tensor in one format (a step totals per tensor name and format).
struct DramTraffic {
  std::string tensor;
  TensorRole role = TensorRole::activation;
  FloatFormat format = formats::fp32;
  std::int64_t read_bytes = 0, write_bytes = 0;
};

// MAC energy and count of one multiply format (the wider operand's, as the energy table prices it).
struct MacEnergy {
  FloatFormat format = formats::fp32;
  std::int64_t macs = 0;
  double pj = 0.0;
};

struct EnergyStats {
  std::vector<MacEnergy> mac;  // by multiply format; the accumulator adds are included here
  double mac_pj = 0.0;         // sum of mac[], zero-gating costs included
  double sram_pj = 0.0;
  double dram_pj = 0.0;
  double static_pj = 0.0;  // static power x time
  double total_pj() const { return mac_pj + sram_pj + dram_pj + static_pj; }
  EnergyStats& operator+=(const EnergyStats& o);
};

// Where the two timing modes part (docs/SIM.md "Timing modes"): scalesim pays the full skew on
// every fold and runs folds serially; mpsim pays the pipeline fill once per back-to-back run of
// folds and overlaps the next fold's loads with compute.
struct ModeTerms {
  std::int64_t scalesim_cycles = 0;        // the closed form (folds x fold cycles - 1)
  std::int64_t mpsim_compute_cycles = 0;   // the RTL's stream formula over the same folds
  std::int64_t skew_per_fold = 0;          // scalesim fold cycles minus the streamed length
  std::int64_t overlap_cycles = 0;         // fold skew mpsim hides by back-to-back streaming
  std::int64_t fill_cycles = 0;            // cycles waiting for the first loads (mpsim)
};

struct OpStats {
  std::string name, layer;
  Phase phase = Phase::fwd;
  std::int64_t m = 0, n = 0, k = 0, macs = 0;

  // Mapping (sim/tiler.hpp): folds = row_folds x col_folds, each streaming `stream_length`.
  std::int64_t row_folds = 0, col_folds = 0, stream_length = 0;
  int lanes = 1;

  // total = compute + stall_memory + stall_fill_drain.
  std::int64_t total_cycles = 0;
  std::int64_t compute_cycles = 0;      // array busy streaming operands
  std::int64_t stall_memory_cycles = 0;  // array idle waiting for DRAM
  std::int64_t stall_fill_drain_cycles = 0;  // pipeline fill, skew and drain
  double pe_utilization = 0.0;           // macs / (R x C x lanes x total_cycles)

  SramTraffic sram_a, sram_b, sram_c;
  std::vector<DramTraffic> dram;  // A, B, C of this op (C's spilled partial sums included)
  std::int64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double dram_gbps = 0.0;  // achieved: DRAM bytes / time

  EnergyStats energy;
  double time_s = 0.0;
  ModeTerms modes;
  // rtl engine only: output elements checked against model/'s dot() and how many differed.
  std::int64_t rtl_checked = 0, rtl_mismatches = 0;
};

struct StepStats {
  std::int64_t ops = 0, macs = 0;
  std::int64_t total_cycles = 0, compute_cycles = 0, stall_memory_cycles = 0, stall_fill_drain_cycles = 0;
  double pe_utilization = 0.0;
  SramTraffic sram_a, sram_b, sram_c;
  std::vector<DramTraffic> dram;  // per tensor name and format, summed over ops
  std::int64_t dram_read_bytes = 0, dram_write_bytes = 0;
  double dram_gbps = 0.0;
  EnergyStats energy;
  double time_s = 0.0;
  std::int64_t scalesim_cycles = 0;
  std::int64_t rtl_checked = 0, rtl_mismatches = 0;
};

struct SimResult {
  std::string hw_name;
  TimingMode timing = TimingMode::mpsim;
  std::vector<OpStats> ops;  // in Workload order
  StepStats step;
};

// Sums ops into a step (energy, traffic, cycles: ops run one after another).
StepStats sum_step(const std::vector<OpStats>& ops, const HwConfig& hw);

}  // namespace mpsim::sim
