// The files of a run in --out DIR, each rewritten atomically after every epoch from the run
// state (so a resumed run writes exactly what an uninterrupted one would):
//   metrics.csv   one row per epoch (EpochMetrics)
//   tensors.csv   one row per epoch and tensor: role, layer, format, elements, overflow,
//                 underflow, amax
//   summary.json  config, status, final accuracies, memory metric with reductions, promotions
#pragma once

#include <string>

#include "host/config/train_config.hpp"
#include "host/precision/assignment.hpp"
#include "host/train/run_state.hpp"

namespace mpsim::host::train {

void write_outputs(const std::string& dir, const TrainConfig& config, const TensorRegistry& registry,
                   const Assignment& assignment, const RunState& state, const MemoryMetric& memory,
                   std::int64_t mixed16_bits);

}  // namespace mpsim::host::train
