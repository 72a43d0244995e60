// Pricing an op's counts with an EnergyTable (sim/energy_table.hpp):
//   MAC     macs x (multiply(A, B formats) + add(accumulator)); with zero gating, every MAC
//           pays the detect cost and the fraction z with a zero operand pays gated_mac instead
//           of multiply + add.
//   SRAM    bytes read and written in each buffer x that buffer's per-byte access energy (the
//           table's 64-bit figure at the buffer's capacity, / 8).
//   DRAM    bytes read and written x the per-byte access energy.
//   static  (PEs x per-PE + SRAM KiB x per-KiB) milliwatts x the op's time.
#pragma once

#include "model/workload.hpp"
#include "sim/energy_table.hpp"
#include "sim/hw_config.hpp"
#include "sim/sim_stats.hpp"

namespace mpsim::sim {

struct EnergyOptions {
  bool zero_gating = false;
  double zero_operand_fraction = 0.0;
};

// Fills stats.energy from the counts and time already in `stats`. Throws std::out_of_range when
// the table cannot price a format.
void price_op(const GemmOp& op, const HwConfig& hw, const EnergyTable& table, const EnergyOptions& options,
              OpStats& stats);

}  // namespace mpsim::sim
