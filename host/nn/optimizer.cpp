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
  UpdateStats stats;
  const auto lr_f = static_cast<float>(lr), inv = static_cast<float>(inv_scale);
  const auto wd = static_cast<float>(config_.weight_decay), mom = static_cast<float>(config_.momentum);
  const auto b1 = static_cast<float>(config_.beta1), b2 = static_cast<float>(config_.beta2);
  const auto eps = static_cast<float>(config_.eps);
  const double t1 = static_cast<double>(t + 1);
  const auto c1 = static_cast<float>(1.0 - std::pow(config_.beta1, t1));
  const auto c2 = static_cast<float>(1.0 - std::pow(config_.beta2, t1));
  for (Param& p : params) {
    float* w = p.master.data();
    const float* g = p.grad.data();
    const std::int64_t n = p.master.numel();
    before_.assign(w, w + n);
    if (config_.kind == OptimizerKind::sgd) {
      // PyTorch's SGD: d = g + wd w; buf = m buf + d; d = nesterov ? d + m buf : buf; w -= lr d.
      float* buf = p.state[0].data();
      for (std::int64_t i = 0; i < n; ++i) {
        float d = g[i] * inv + wd * w[i];
        buf[i] = mom * buf[i] + d;
        d = config_.nesterov ? d + mom * buf[i] : buf[i];
        w[i] -= lr_f * d;
      }
      ctx.store(p.state_ids[0], p.state[0]);
    } else {
      // Adam (Kingma & Ba 2015, Algorithm 1); AdamW (Loshchilov & Hutter 2019) decays w directly.
      float* m = p.state[0].data();
      float* v = p.state[1].data();
      const bool decoupled = config_.kind == OptimizerKind::adamw;
      for (std::int64_t i = 0; i < n; ++i) {
        const float gi = g[i] * inv + (decoupled ? 0.0f : wd * w[i]);
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      }
      ctx.store(p.state_ids[0], p.state[0]);
      ctx.store(p.state_ids[1], p.state[1]);
      // The denominator sqrt(v^) + eps lives in the state's format (Yun: with eps below fp16's
      // range it can round to 0); grad is free here, so it holds the denominators.
      float* den = p.grad.data();
      for (std::int64_t i = 0; i < n; ++i) den[i] = std::sqrt(v[i] / c2) + eps;
      ctx.round_only(p.state_ids[1], p.grad);
      for (std::int64_t i = 0; i < n; ++i) {
        if (den[i] == 0.0f) ++stats.zero_denominators;
        const float update = (den[i] == 0.0f ? 0.0f : (m[i] / c1) / den[i]) + (decoupled ? wd * w[i] : 0.0f);
        w[i] -= lr_f * update;
      }
    }
    // Count updates before rounding the master: any change the arithmetic made.
    std::int64_t changed = 0;
    for (std::int64_t i = 0; i < n; ++i) changed += w[i] != before_[static_cast<std::size_t>(i)] ? 1 : 0;
    ctx.store(p.master_id, p.master);
    std::int64_t kept = 0;
    for (std::int64_t i = 0; i < n; ++i) kept += w[i] != before_[static_cast<std::size_t>(i)] ? 1 : 0;
    stats.elements += changed;
    stats.lost_updates += changed - kept;
  }
  return stats;
}

}  // namespace mpsim::host::nn
