#include "host/train/session.hpp"

#include <sstream>

namespace mpsim::host::train {
namespace {

nn::OptimizerConfig optimizer_config(const TrainConfig& c, const Policy& policy) {
  nn::OptimizerConfig o = c.optimizer;
  if (auto eps = policy.adam_epsilon()) o.eps = *eps;  // continuous16's epsilon (Yun)
  return o;
}

}  // namespace

Session::Session(const TrainConfig& c, const data::Dataset& train_set, kernels::Backend& backend)
    : config(c),
      ctx(backend, c.seed),
      net(nn::make_model(c.model, c.width, {train_set.channels, train_set.height, train_set.width}, train_set.classes)),
      optimizer(c.optimizer),
      policy(make_policy(c.policy)),
      scaler(policy->loss_scaling(), (train_set.count + c.batch - 1) / c.batch),
      steps_per_epoch((train_set.count + c.batch - 1) / c.batch) {
  optimizer = nn::Optimizer(optimizer_config(c, *policy));
  net.build(ctx, c.batch, c.seed);
  optimizer.attach(ctx, net.params());
  policy_initial = policy->initial(ctx.registry());
  if (pretraining(0)) ctx.use_fp32();
  else ctx.set_assignment(policy_initial);
}

std::string Session::fingerprint() const {
  std::ostringstream s;
  s << "model=" << config.model << " width=" << config.width << " dataset=" << config.dataset.name
    << " batch=" << config.batch << " seed=" << config.seed << " policy=" << config.policy_name << "\n";
  for (const auto& t : ctx.registry().tensors()) s << t.name << ' ' << role_name(t.role) << ' ' << t.numel << '\n';
  return s.str();
}

Checkpoint Session::checkpoint(const RunState& state) const {
  Checkpoint c;
  c.fingerprint = fingerprint();
  c.state = state;
  auto& backend = const_cast<nn::PrecisionContext&>(ctx).backend();  // to_host is a transfer, not a change
  const auto host = [&](const kernels::Tensor& t) { return backend.to_host(t); };
  for (const nn::Param& p : net.params()) {
    c.tensors.push_back(host(p.master));
    c.tensors.push_back(host(p.weight));
    for (const auto& s : p.state) c.tensors.push_back(host(s));
  }
  for (const nn::Node& n : net.nodes())
    if (const auto* bn = std::get_if<nn::BatchNorm2d>(&n.layer)) {
      std::vector<float> v = bn->running_mean;
      v.insert(v.end(), bn->running_var.begin(), bn->running_var.end());
      c.bn_stats.push_back(std::move(v));
    }
  c.scaler = scaler.state();
  c.assignment = ctx.assignment();
  c.policy_state = policy->save_state();
  return c;
}

void Session::restore(const Checkpoint& c) {
  if (c.fingerprint != fingerprint())
    throw CheckpointError("checkpoint was written by another model, dataset, batch, seed or policy; resume needs the same config");
  std::size_t i = 0;
  auto& be = ctx.backend();
  for (nn::Param& p : net.params()) {
    be.copy_from_host(p.master, c.tensors.at(i++).data());
    be.copy_from_host(p.weight, c.tensors.at(i++).data());
    for (auto& s : p.state) be.copy_from_host(s, c.tensors.at(i++).data());
  }
  std::size_t b = 0;
  for (nn::Node& n : net.nodes())
    if (auto* bn = std::get_if<nn::BatchNorm2d>(&n.layer)) {
      const auto& v = c.bn_stats.at(b++);
      const auto ch = bn->running_mean.size();
      std::copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(ch), bn->running_mean.begin());
      std::copy(v.begin() + static_cast<std::ptrdiff_t>(ch), v.end(), bn->running_var.begin());
    }
  scaler.restore(c.scaler);
  Assignment a = policy->initial(ctx.registry());
  policy->load_state(c.policy_state, ctx.registry(), a);
  ctx.set_assignment(c.assignment);  // the assignment in force when the checkpoint was written
}

}  // namespace mpsim::host::train
