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
  net.build(ctx, c.batch, c.seed, c.init);
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
      std::vector<float> v = host(bn->running_mean);
      const std::vector<float> var = host(bn->running_var);
      v.insert(v.end(), var.begin(), var.end());
      c.bn_stats.push_back(std::move(v));
    }
  c.scaler = scaler.state();
  c.assignment = ctx.assignment();
  c.policy_state = policy->save_state();
  return c;
}

namespace {

// "model=lenet5 width=1 dataset=fashion_mnist" from a fingerprint's first line (Session::fingerprint).
std::string model_and_data(const std::string& fingerprint) {
  std::istringstream in(fingerprint.substr(0, fingerprint.find('\n')));
  std::string word, out;
  while (in >> word)
    if (word.starts_with("model=") || word.starts_with("width=") || word.starts_with("dataset="))
      out += (out.empty() ? "" : " ") + word;
  return out;
}

// Each BN layer's running mean then running variance, in the order Session::checkpoint writes them.
void load_bn_stats(nn::Network& net, kernels::Backend& backend, const std::vector<std::vector<float>>& stats,
                   const std::string& path) {
  std::size_t b = 0;
  for (nn::Node& n : net.nodes())
    if (auto* bn = std::get_if<nn::BatchNorm2d>(&n.layer)) {
      const std::int64_t ch = bn->running_mean.numel();
      if (b >= stats.size() || static_cast<std::int64_t>(stats[b].size()) != 2 * ch)
        throw CheckpointError(path + ": its batch-norm statistics do not match this model's");
      const auto& v = stats[b++];
      backend.copy_from_host(bn->running_mean, v.data());
      backend.copy_from_host(bn->running_var, v.data() + ch);
    }
}

}  // namespace

void Session::load_pretrained(const Checkpoint& c, const std::string& path) {
  const std::string theirs = model_and_data(c.fingerprint), ours = model_and_data(fingerprint());
  if (theirs != ours)
    throw CheckpointError(path + ": written by a run of " + theirs + ", this run is " + ours +
                          " (policy.checkpoint must come from the same model and dataset)");
  const std::vector<nn::Param>& params = net.params();
  const std::size_t per_param = params.empty() ? 0 : c.tensors.size() / params.size();
  bool shapes_match = per_param >= 2 && per_param * params.size() == c.tensors.size();
  for (std::size_t i = 0; shapes_match && i < params.size(); ++i)
    for (std::size_t k = 0; k < per_param; ++k)
      shapes_match = shapes_match && static_cast<std::int64_t>(c.tensors[i * per_param + k].size()) == params[i].master.numel();
  if (!shapes_match) throw CheckpointError(path + ": its tensors do not have this model's parameter sizes");
  auto& be = ctx.backend();
  const bool with_state = per_param == 2 + params.front().state.size();
  for (std::size_t i = 0; i < params.size(); ++i) {
    nn::Param& p = net.params()[i];
    be.copy_from_host(p.master, c.tensors[i * per_param].data());
    be.copy_from_host(p.weight, c.tensors[i * per_param].data());  // refreshed from master every step anyway
    if (with_state)
      for (std::size_t k = 0; k < p.state.size(); ++k) be.copy_from_host(p.state[k], c.tensors[i * per_param + 2 + k].data());
  }
  load_bn_stats(net, be, c.bn_stats, path);
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
  load_bn_stats(net, be, c.bn_stats, "checkpoint");
  scaler.restore(c.scaler);
  Assignment a = policy->initial(ctx.registry());
  policy->load_state(c.policy_state, ctx.registry(), a);
  ctx.set_assignment(c.assignment);  // the assignment in force when the checkpoint was written
}

}  // namespace mpsim::host::train
