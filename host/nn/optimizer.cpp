#include "host/nn/optimizer.hpp"

#include <cmath>
#include <numbers>

#include "host/nn/buffers.hpp"

namespace mpsim::host::nn {

double learning_rate(const OptimizerConfig& opt, const ScheduleConfig& s, int epoch, std::int64_t step_in_epoch,
                     std::int64_t steps_per_epoch, int total_epochs) {
  const double spe = static_cast<double>(std::max<std::int64_t>(1, steps_per_epoch));
  const double t = epoch + static_cast<double>(step_in_epoch) / spe;  // epochs done, fractional
  if (s.warmup_epochs > 0 && t < s.warmup_epochs) return opt.lr * (t + 1.0 / spe) / s.warmup_epochs;
  switch (s.kind) {
    case ScheduleKind::constant: return opt.lr;
    case ScheduleKind::step: return opt.lr * std::pow(s.gamma, epoch / std::max(1, s.step_size));
    case ScheduleKind::cosine: {
      const double span = std::max(1e-9, total_epochs - s.warmup_epochs);
      const double progress = std::min(1.0, (t - s.warmup_epochs) / span);
      return s.min_lr + (opt.lr - s.min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    }
  }
  return opt.lr;
}

void Optimizer::attach(PrecisionContext& ctx, std::vector<Param>& params) {
  const bool sgd = config_.kind == OptimizerKind::sgd;
  for (Param& p : params) {
    p.state.clear();
    p.state_ids.clear();
    const std::vector<std::string> names = sgd ? std::vector<std::string>{"momentum"}
                                               : std::vector<std::string>{"adam_m", "adam_v"};
    for (const auto& what : names) {
      p.state_ids.push_back(ctx.registry().add_tensor(p.name + "." + what, p.layer, TensorRole::optimizer_state,
                                                      p.master.numel()));
      p.state.push_back(ctx.backend().zeros(p.shape, formats::fp32, p.name + "." + what));
    }
  }
  // The registry grew: keep the assignment indexed by every tensor.
  ctx.set_assignment(ctx.assignment());
}

UpdateStats Optimizer::step(PrecisionContext& ctx, std::vector<Param>& params, double lr, double inv_scale,
                            std::int64_t t) {
  kernels::Backend& be = ctx.backend();
  UpdateStats stats;
  const auto lr_f = static_cast<float>(lr), inv = static_cast<float>(inv_scale);
  const auto wd = static_cast<float>(config_.weight_decay);
  const kernels::SgdSpec sgd{lr_f, inv, wd, static_cast<float>(config_.momentum), config_.nesterov};
  const double t1 = static_cast<double>(t + 1);
  const kernels::AdamSpec adam{lr_f,
                               inv,
                               wd,
                               static_cast<float>(config_.beta1),
                               static_cast<float>(config_.beta2),
                               static_cast<float>(config_.eps),
                               static_cast<float>(1.0 - std::pow(config_.beta1, t1)),
                               static_cast<float>(1.0 - std::pow(config_.beta2, t1)),
                               config_.kind == OptimizerKind::adamw};
  before_.resize(params.size());
  for (std::size_t pi = 0; pi < params.size(); ++pi) {
    Param& p = params[pi];
    ensure_shape(be, before_[pi], p.master.shape(), p.name + ".before_update");
    be.copy(p.master, before_[pi]);
    if (config_.kind == OptimizerKind::sgd) {
      be.sgd_update(sgd, p.master, p.grad, p.state[0]);
      ctx.store(p.state_ids[0], p.state[0]);
    } else {
      be.adam_moments(adam, p.master, p.grad, p.state[0], p.state[1]);
      ctx.store(p.state_ids[0], p.state[0]);
      ctx.store(p.state_ids[1], p.state[1]);
      // The denominator sqrt(v^) + eps lives in the state's format (Yun: with eps below fp16's
      // range it can round to 0); grad is free here, so it holds the denominators.
      be.adam_denominators(adam, p.state[1], p.grad);
      ctx.round_only(p.state_ids[1], p.grad);
      stats.zero_denominators += be.adam_apply(adam, p.master, p.state[0], p.grad);
    }
    // Count updates before rounding the master (any change the arithmetic made) and after.
    const std::int64_t changed = be.count_different(p.master, before_[pi]);
    ctx.store(p.master_id, p.master);
    const std::int64_t kept = be.count_different(p.master, before_[pi]);
    stats.elements += changed;
    stats.lost_updates += changed - kept;
  }
  return stats;
}

}  // namespace mpsim::host::nn
