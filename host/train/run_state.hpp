// What a training run produces and what a checkpoint restores besides the tensors: per-epoch
// metrics, per-tensor statistics, promotions, the step counters and the run's status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpsim::host::train {

struct EpochMetrics {
  int epoch = 0;                  // from 1
  std::int32_t reserved = 0;      // what would be padding: see the static_asserts below
  double lr = 0;                  // at the epoch's last step
  double train_loss = 0, train_accuracy = 0;   // means over the epoch's steps / samples
  double test_loss = 0, test_accuracy = 0;     // BN in eval mode, activations still rounded
  std::int64_t steps = 0, skipped_steps = 0;   // skipped: Inf/NaN gradient (loss scaler)
  double loss_scale = 1;          // at the end of the epoch
  std::int64_t scale_changes = 0; // during the epoch
  std::int64_t promotions = 0;
  std::int64_t overflow = 0, underflow = 0;    // over all tensors' roundings
  std::int64_t lost_updates = 0, zero_denominators = 0;  // optimizer (Yun)
  double memory_bits = 0, low_precision_ratio = 0;       // Lee et al.'s metric, epoch means
  double train_seconds = 0, eval_seconds = 0;            // wall time (not part of bit-identity)
};

// One tensor over one epoch: the sum of its roundings' events and the largest |x| seen.
struct TensorEpochStats {
  std::int64_t elements = 0, overflow = 0, underflow = 0;
  float amax = 0;
  std::uint32_t reserved = 0;     // what would be padding: see the static_asserts below
};

// Checkpoints store these structs' bytes as they are (checkpoint.cpp), so no byte of them may
// be padding: its value is undefined, and a resumed run's checkpoint would then differ from an
// uninterrupted run's in bytes that mean nothing (the kill-and-resume test found it).
static_assert(sizeof(EpochMetrics) == 2 * sizeof(std::int32_t) + 18 * 8, "EpochMetrics must have no padding");
static_assert(sizeof(TensorEpochStats) == 3 * sizeof(std::int64_t) + sizeof(float) + sizeof(std::uint32_t),
              "TensorEpochStats must have no padding");

struct PromotionRecord {
  std::int64_t step = 0;
  int epoch = 0;
  std::string tensor, from, to;
  double overflow_fraction = 0;
};

struct RunState {
  int epochs_done = 0;
  std::int64_t step = 0;             // training steps taken (skipped ones included)
  std::int64_t optimizer_steps = 0;  // updates applied (Adam's t)
  std::string status = "running";    // running | completed | diverged
  std::string divergence_reason;
  std::vector<EpochMetrics> epochs;
  std::vector<std::vector<TensorEpochStats>> tensor_stats;  // [epoch][TensorId]
  std::vector<PromotionRecord> promotions;
};

}  // namespace mpsim::host::train
