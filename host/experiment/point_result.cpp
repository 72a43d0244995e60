#include "host/experiment/point_result.hpp"

namespace mpsim::host {

// Field-by-field JSON through nlohmann's macros: the key is the member's name, every key is
// required when reading (a missing one throws out_of_range 403).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LayerRoleTraffic, layer, role, read_bytes, write_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HwPointResult, hw, cycles, compute_cycles, stall_memory_cycles,
                                   stall_fill_drain_cycles, time_s, images_per_s, pe_utilization, dram_read_bytes,
                                   dram_write_bytes, sram_bytes, mac_pj, sram_pj, dram_pj, static_pj, per_layer)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EpochCurve, epoch, train_loss, train_accuracy, test_loss, test_accuracy, loss_scale)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PointResult, index, label, policy, key, seed, status, test_accuracy, train_accuracy,
                                   final_loss, overflow_events, underflow_events, promotions, skipped_steps,
                                   scale_changes, memory_bits, memory_bits_fp32, memory_bits_mixed16,
                                   low_precision_ratio, batch, gemms_per_step, macs_per_step, train_seconds, curve, hw)

nlohmann::json point_to_json(const PointResult& p) { return p; }

PointResult point_from_json(const nlohmann::json& j) {
  try {
    return j.get<PointResult>();
  } catch (const nlohmann::json::exception& e) {
    // nlohmann: "[json.exception.out_of_range.403] key 'x' not found"
    const std::string what = e.what();
    const auto pos = what.find("] ");
    throw std::runtime_error("point result: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

}  // namespace mpsim::host
