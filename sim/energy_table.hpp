// Energy per operation, from a YAML table (configs/energy/*.yaml; keys in docs/SIM.md). Every
// entry carries the publication (or the stated assumption) it comes from, so a report can say
// where each picojoule came from. Default: Horowitz, ISSCC 2014, 45 nm.
//
// The MAC is priced as parts (issue 5): a multiply in the operands' format, plus an add in the
// ACCUMULATOR's format, so fp8 x fp8 into fp32 still pays an fp32 add. With zero gating a MAC
// whose operand is zero pays `gated_mac` instead of multiply + add, and every MAC pays
// `zero_detect` for the comparators.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "model/float_format.hpp"

namespace mpsim::sim {

struct EnergyEntry {
  double pj = 0.0;
  std::string source;  // publication, table/figure, or "assumption: <rule>"
};

struct FormatEnergy {
  FloatFormat format;
  EnergyEntry energy;
};

// SRAM energy per access of `access_bits`, at a few capacities; other capacities interpolate
// linearly in log2(capacity) between neighbours and clamp outside the range.
struct SramEnergyPoint {
  std::int64_t capacity_bytes = 0;
  EnergyEntry energy;
};

struct EnergyTable {
  std::string name;
  std::string source_path;
  std::vector<FormatEnergy> multiply;  // per operand format (keys are format names)
  std::vector<FormatEnergy> add;       // per accumulator format
  EnergyEntry zero_detect;             // per MAC, only with zero gating on
  EnergyEntry gated_mac;               // per MAC skipped for a zero operand
  int sram_access_bits = 64;
  std::vector<SramEnergyPoint> sram;   // ascending capacity
  int dram_access_bits = 64;
  EnergyEntry dram;                    // per access of dram_access_bits
  EnergyEntry static_mw_per_pe;        // leakage and clock tree of one PE, milliwatts
  EnergyEntry static_mw_per_sram_kib;  // leakage of one KiB of SRAM, milliwatts

  // Multiply energy of an a x b product: the entry of the wider operand (more total bits, then
  // more mantissa bits). A format without its own entry takes the entry of the nearest listed
  // format of the same total width, else the next wider listed one. Throws std::out_of_range
  // when nothing is wide enough.
  double multiply_pj(const FloatFormat& a, const FloatFormat& b) const;
  // Add energy in accumulator format acc (same fallback rule).
  double add_pj(const FloatFormat& acc) const;
  // Per byte, from the per-access figures (an access moves access_bits / 8 bytes).
  double sram_pj_per_byte(std::int64_t capacity_bytes) const;
  double dram_pj_per_byte() const { return dram.pj / (dram_access_bits / 8.0); }
};

// Throws ConfigError (sim/hw_config.hpp) with "FILE: key 'x': what is allowed".
EnergyTable load_energy_table(const std::string& path);
// The same from an open stream; `path` names it in errors.
EnergyTable read_energy_table(std::istream& in, const std::string& path);

}  // namespace mpsim::sim
