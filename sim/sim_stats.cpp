#include "sim/sim_stats.hpp"

#include <algorithm>

namespace mpsim::sim {

SramTraffic& SramTraffic::operator+=(const SramTraffic& o) {
  read_elements += o.read_elements;
  write_elements += o.write_elements;
  read_bytes += o.read_bytes;
  write_bytes += o.write_bytes;
  return *this;
}

EnergyStats& EnergyStats::operator+=(const EnergyStats& o) {
  for (const MacEnergy& m : o.mac) {
    const auto same = std::find_if(mac.begin(), mac.end(), [&](const MacEnergy& x) { return x.format == m.format; });
    if (same == mac.end()) {
      mac.push_back(m);
    } else {
      same->macs += m.macs;
      same->pj += m.pj;
    }
  }
  mac_pj += o.mac_pj;
  sram_pj += o.sram_pj;
  dram_pj += o.dram_pj;
  static_pj += o.static_pj;
  return *this;
}

StepStats sum_step(const std::vector<OpStats>& ops, const HwConfig& hw) {
  StepStats s;
  double pe_cycles = 0.0;
  for (const OpStats& op : ops) {
    ++s.ops;
    s.macs += op.macs;
    s.total_cycles += op.total_cycles;
    s.compute_cycles += op.compute_cycles;
    s.stall_memory_cycles += op.stall_memory_cycles;
    s.stall_fill_drain_cycles += op.stall_fill_drain_cycles;
    pe_cycles += static_cast<double>(op.total_cycles) * op.lanes;
    s.sram_a += op.sram_a;
    s.sram_b += op.sram_b;
    s.sram_c += op.sram_c;
    for (const DramTraffic& d : op.dram) {
      const auto same = std::find_if(s.dram.begin(), s.dram.end(), [&](const DramTraffic& x) {
        return x.tensor == d.tensor && x.format == d.format;
      });
      if (same == s.dram.end()) {
        s.dram.push_back(d);
      } else {
        same->read_bytes += d.read_bytes;
        same->write_bytes += d.write_bytes;
      }
    }
    s.dram_read_bytes += op.dram_read_bytes;
    s.dram_write_bytes += op.dram_write_bytes;
    s.energy += op.energy;
    s.time_s += op.time_s;
    s.scalesim_cycles += op.modes.scalesim_cycles;
    s.rtl_checked += op.rtl_checked;
    s.rtl_mismatches += op.rtl_mismatches;
  }
  // Utilization against the lanes each op had: MACs / (PEs x lanes x cycles), cycle-weighted.
  const double pes = static_cast<double>(hw.array.rows) * hw.array.cols;
  s.pe_utilization = pe_cycles > 0 ? static_cast<double>(s.macs) / (pes * pe_cycles) : 0.0;
  s.dram_gbps = s.time_s > 0 ? static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) / s.time_s / 1e9 : 0.0;
  return s;
}

}  // namespace mpsim::sim
