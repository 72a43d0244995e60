// Optimizers and learning-rate schedules. The optimizer updates the master weights from the
// (unscaled) weight gradients; its state (SGD momentum, Adam's m and v) is a registered tensor
// with role optimizer_state, rounded where it is written like any other tensor (fp32 unless an
// assignment says otherwise: Yun's pure 16-bit training keeps it in fp16).
#pragma once

#include <cstdint>
#include <vector>

#include "host/nn/layers.hpp"

namespace mpsim::host::nn {

enum class OptimizerKind : std::uint8_t { sgd, adam, adamw };
enum class ScheduleKind : std::uint8_t { constant, step, cosine };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double lr = 0.1;
  double momentum = 0.9;      // SGD
  bool nesterov = false;      // SGD (Sutskever et al. 2013, PyTorch's formulation)
  double weight_decay = 0.0;  // SGD and Adam: L2 added to the gradient; AdamW: decoupled
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam (Kingma & Ba 2015)
};

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::cosine;
  double warmup_epochs = 0;   // linear warmup from 0 over these epochs (Goyal et al. 2017)
  int step_size = 30;         // step: multiply by gamma every step_size epochs
  double gamma = 0.1;
  double min_lr = 0.0;        // cosine: the floor (Loshchilov & Hutter 2017, without restarts)
};

// The learning rate of the step `step_in_epoch` of `epoch` (both from 0).
double learning_rate(const OptimizerConfig& opt, const ScheduleConfig& schedule, int epoch, std::int64_t step_in_epoch,
                     std::int64_t steps_per_epoch, int total_epochs);

// What one update lost to the storage formats (Yun: updates lost to rounding; Adam's
// denominators that round to zero in the state's format).
struct UpdateStats {
  std::int64_t elements = 0;           // elements with a nonzero update
  std::int64_t lost_updates = 0;       // ... whose rounded master weight did not change
  std::int64_t zero_denominators = 0;  // Adam: sqrt(v^) + eps rounded to 0
};

class Optimizer {
 public:
  explicit Optimizer(OptimizerConfig config) : config_(config) {}
  const OptimizerConfig& config() const { return config_; }
  // Allocates and registers the state tensors of every parameter ("<param>.momentum",
  // "<param>.adam_m", "<param>.adam_v"), zero-initialised.
  void attach(PrecisionContext& ctx, std::vector<Param>& params);
  // One update with learning rate lr; gradients are multiplied by inv_scale first (unscaling
  // the loss scale). `t` counts the updates taken so far (Adam's bias correction).
  UpdateStats step(PrecisionContext& ctx, std::vector<Param>& params, double lr, double inv_scale, std::int64_t t);

 private:
  OptimizerConfig config_;
  std::vector<Tensor> before_;  // per parameter: the master values before the update (lost-update count)
};

}  // namespace mpsim::host::nn
