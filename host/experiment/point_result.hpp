// One point of an experiment (an assignment with one seed) after training and simulation: what
// the report tabulates and plots. Stored as JSON in the point's directory (point.json, the cache
// that lets a re-run skip finished points) and sent between MPI ranks in the same form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mpsim::host {

// DRAM bytes of one layer and tensor role in one training step.
struct LayerRoleTraffic {
  std::string layer, role;
  std::int64_t read_bytes = 0, write_bytes = 0;
};

// One hw config's view of the point's training step.
struct HwPointResult {
  std::string hw;
  std::int64_t cycles = 0, compute_cycles = 0, stall_memory_cycles = 0, stall_fill_drain_cycles = 0;
  double time_s = 0, images_per_s = 0, pe_utilization = 0;
  std::int64_t dram_read_bytes = 0, dram_write_bytes = 0, sram_bytes = 0;
  double mac_pj = 0, sram_pj = 0, dram_pj = 0, static_pj = 0;
  double total_pj() const { return mac_pj + sram_pj + dram_pj + static_pj; }
  std::vector<LayerRoleTraffic> per_layer;
};

struct EpochCurve {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0, test_loss = 0, test_accuracy = 0, loss_scale = 1;
};

struct PointResult {
  std::size_t index = 0;  // position in the experiment's (assignment, seed) order
  std::string label, policy, key;
  std::uint64_t seed = 0;
  std::string status;  // completed | diverged
  bool diverged() const { return status == "diverged"; }
  double test_accuracy = 0, train_accuracy = 0, final_loss = 0;
  std::int64_t overflow_events = 0, underflow_events = 0, promotions = 0, skipped_steps = 0, scale_changes = 0;
  std::int64_t memory_bits = 0, memory_bits_fp32 = 0, memory_bits_mixed16 = 0;
  double low_precision_ratio = 0;
  double memory_reduction_vs_fp32() const { return memory_bits ? double(memory_bits_fp32) / double(memory_bits) : 0; }
  double memory_reduction_vs_mixed16() const {
    return memory_bits ? double(memory_bits_mixed16) / double(memory_bits) : 0;
  }
  std::int64_t batch = 0, gemms_per_step = 0, macs_per_step = 0;
  double train_seconds = 0;  // wall time (not part of the identity of results)
  std::vector<EpochCurve> curve;
  std::vector<HwPointResult> hw;
};

nlohmann::json point_to_json(const PointResult& p);
// Throws std::runtime_error naming the missing or mistyped field.
PointResult point_from_json(const nlohmann::json& j);

}  // namespace mpsim::host
