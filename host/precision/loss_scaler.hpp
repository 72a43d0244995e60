// Loss scaling as PyTorch's torch.cuda.amp.GradScaler (Micikevicius et al. 2018; Lee et al.
// use it with growth after one epoch of clean steps): the loss is multiplied by `scale` before
// backward, gradients are rounded while scaled, and before the update they are checked: any
// Inf/NaN skips the step and multiplies the scale by backoff_factor; growth_interval clean
// steps in a row multiply it by growth_factor.
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
};

class LossScaler {
 public:
  explicit LossScaler(LossScalerConfig config, std::int64_t steps_per_epoch = 0);
  double scale() const { return scale_; }
  // After backward: found_non_finite says whether any gradient was Inf/NaN. Returns true when
  // the optimizer step must run, false when it is skipped.
  bool update(bool found_non_finite);
  std::int64_t skipped_steps() const { return skipped_; }
  std::int64_t scale_changes() const { return changes_; }

 private:
  LossScalerConfig config_;
  std::int64_t interval_;
  double scale_;
  std::int64_t clean_steps_ = 0, skipped_ = 0, changes_ = 0;
};

}  // namespace mpsim::host
