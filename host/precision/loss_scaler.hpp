// Loss scaling as PyTorch's torch.cuda.amp.GradScaler (Micikevicius et al. 2018; Lee et al.
// use it with growth after one epoch of clean steps, PAPERS.md): the loss is multiplied by
// `scale` before backward, gradients are rounded while scaled, and before the update they are
// checked. GradScaler.update() semantics, per mode:
//
//   mode     | Inf/NaN in a gradient                         | clean step
//   none     | step runs (scale stays 1; divergence detection | -
//            | in the loop sees it)                          |
//   fixed    | step runs (Apex's static scale: no skipping)  | -
//   dynamic  | step skipped, scale *= backoff_factor,        | after growth_interval clean steps
//            | clean-step counter reset                      | in a row: scale *= growth_factor
#pragma once

#include <cstdint>

namespace mpsim::host {

enum class LossScaling : std::uint8_t { none, fixed, dynamic };

struct LossScalerConfig {
  LossScaling mode = LossScaling::none;
  double initial_scale = 65536.0;     // 2^16, GradScaler's default
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  std::int64_t growth_interval = 2000;  // steps; 0 means "one epoch of steps" (Lee et al.)
  bool operator==(const LossScalerConfig&) const = default;
};

// Everything a checkpoint needs to resume the scaler bit-identically.
struct LossScalerState {
  double scale = 1.0;
  std::int64_t clean_steps = 0;   // GradScaler's growth tracker
  std::int64_t skipped = 0;
  std::int64_t changes = 0;
  bool operator==(const LossScalerState&) const = default;
};

class LossScaler {
 public:
  // steps_per_epoch resolves growth_interval 0 ("one epoch"); it must then be positive.
  explicit LossScaler(LossScalerConfig config, std::int64_t steps_per_epoch = 0);
  // 1 when mode is none.
  double scale() const { return scale_; }
  // After backward: found_non_finite says whether any gradient was Inf/NaN. Returns true when
  // the optimizer step must run, false when it is skipped.
  bool update(bool found_non_finite);
  std::int64_t skipped_steps() const { return skipped_; }
  std::int64_t scale_changes() const { return changes_; }
  std::int64_t growth_interval() const { return interval_; }
  const LossScalerConfig& config() const { return config_; }

  LossScalerState state() const { return {scale_, clean_steps_, skipped_, changes_}; }
  void restore(const LossScalerState& s);

 private:
  LossScalerConfig config_;
  std::int64_t interval_;
  double scale_;
  std::int64_t clean_steps_ = 0, skipped_ = 0, changes_ = 0;
};

}  // namespace mpsim::host
