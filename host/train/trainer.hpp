// The training loop (issue 7): next batch, forward, loss, backward, update; every tensor held
// in the precision the policy's assignment gives it (host/nn/precision_context.hpp). The
// backend is passed in; the loop does not change when it does.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/config/train_config.hpp"
#include "host/data/dataset.hpp"
#include "host/precision/assignment.hpp"
#include "host/train/run_state.hpp"
#include "kernels/backend.hpp"

namespace mpsim::host::train {

struct TrainOptions {
  std::string out_dir;            // metrics.csv, tensors.csv, summary.json, checkpoint.bin; empty: none
  bool resume = false;            // continue from out_dir/checkpoint.bin
  bool progress_bar = false;      // a live bar (a TTY); otherwise one line per epoch
  std::FILE* log = nullptr;       // where progress goes; nullptr: silent
  int stop_after_epochs = 0;      // > 0: return after this many epochs of this call (an interrupted run)
  // Polled before every step (a safe point: nothing half-done to write); true stops the run
  // there by throwing Interrupted. Empty: never.
  std::function<bool()> interrupted;
};

// A run stopped by TrainOptions::interrupted. Nothing of the unfinished epoch was written:
// out_dir holds the outputs and checkpoint of the last finished epoch, from which --resume
// continues to the same result an uninterrupted run gives.
struct Interrupted : std::runtime_error {
  explicit Interrupted(int epochs) : std::runtime_error("interrupted"), epochs_done(epochs) {}
  int epochs_done;  // epochs in the checkpoint left behind
};

struct TrainResult {
  RunState state;
  MemoryMetric memory;                 // of the policy's initial assignment
  std::int64_t mixed16_bits = 0;       // the mixed16 baseline's bits on the same registry
  std::vector<float> final_master;     // every parameter's master values, concatenated
  std::vector<std::string> tensor_names;
};

TrainResult train(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend,
                  const TrainOptions& options);

// Without training: the policy's explanation of its initial assignment (groups, sizes, the
// selected set), and the Workload of one training step at config.batch.
std::string explain_assignment(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend);
Workload step_workload(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend);

}  // namespace mpsim::host::train
