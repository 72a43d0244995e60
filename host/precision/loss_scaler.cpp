#include "host/precision/loss_scaler.hpp"

#include <stdexcept>

namespace mpsim::host {

LossScaler::LossScaler(LossScalerConfig config, std::int64_t steps_per_epoch)
    : config_(config),
      interval_(config.growth_interval > 0 ? config.growth_interval : steps_per_epoch),
      scale_(config.mode == LossScaling::none ? 1.0 : config.initial_scale) {
  if (config_.mode == LossScaling::dynamic && interval_ <= 0)
    throw std::invalid_argument("loss scaler: growth_interval 0 (one epoch) needs a positive number of steps per epoch");
  if (config_.mode != LossScaling::none && !(scale_ > 0.0)) throw std::invalid_argument("loss scaler: initial scale must be positive");
}

bool LossScaler::update(bool found_non_finite) {
  if (config_.mode != LossScaling::dynamic) return true;
  if (found_non_finite) {
    scale_ *= config_.backoff_factor;
    clean_steps_ = 0;
    ++skipped_;
    ++changes_;
    return false;
  }
  if (++clean_steps_ == interval_) {
    scale_ *= config_.growth_factor;
    clean_steps_ = 0;
    ++changes_;
  }
  return true;
}

void LossScaler::restore(const LossScalerState& s) {
  scale_ = s.scale;
  clean_steps_ = s.clean_steps;
  skipped_ = s.skipped;
  changes_ = s.changes;
}

}  // namespace mpsim::host
