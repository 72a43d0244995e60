#include "sim/energy_model.hpp"

namespace mpsim::sim {

void price_op(const GemmOp& op, const HwConfig& hw, const EnergyTable& table, const EnergyOptions& options,
              OpStats& stats) {
  EnergyStats e;
  const double per_mac = table.multiply_pj(op.a.format, op.b.format) + table.add_pj(op.accumulator);
  const auto macs = static_cast<double>(stats.macs);
  double mac_pj = macs * per_mac;
  if (options.zero_gating) {
    const double z = options.zero_operand_fraction;
    mac_pj = macs * table.zero_detect.pj + macs * (1.0 - z) * per_mac + macs * z * table.gated_mac.pj;
  }
  const FloatFormat& wider = op.a.format.total_bits() >= op.b.format.total_bits() ? op.a.format : op.b.format;
  e.mac.push_back({wider, stats.macs, mac_pj});
  e.mac_pj = mac_pj;

  const auto sram_pj = [&](const SramTraffic& t, const SramConfig& s) {
    return static_cast<double>(t.read_bytes + t.write_bytes) * table.sram_pj_per_byte(s.capacity_bytes);
  };
  e.sram_pj = sram_pj(stats.sram_a, hw.sram_a) + sram_pj(stats.sram_b, hw.sram_b) + sram_pj(stats.sram_c, hw.sram_c);
  e.dram_pj = static_cast<double>(stats.dram_read_bytes + stats.dram_write_bytes) * table.dram_pj_per_byte();

  const double sram_kib =
      static_cast<double>(hw.sram_a.capacity_bytes + hw.sram_b.capacity_bytes + hw.sram_c.capacity_bytes) / 1024.0;
  const double static_mw = static_cast<double>(hw.array.rows) * hw.array.cols * table.static_mw_per_pe.pj +
                           sram_kib * table.static_mw_per_sram_kib.pj;
  e.static_pj = static_mw * 1e-3 * stats.time_s * 1e12;  // mW -> W, J -> pJ
  stats.energy = e;
}

}  // namespace mpsim::sim
