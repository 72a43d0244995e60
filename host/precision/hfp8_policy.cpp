// π_op, the op-based HFP8 baseline of Lee et al. (PAPERS.md "Baselines", after Sun et al.
// 2019): for every conv/linear L, the two forward GEMM operands (θ_L and the activation L reads,
// i.e. v of L's producer) are low 1-4-3, L's output gradient dv_L is 1-5-2 and dθ_L 1-6-9;
// every other θ, v, dv, dθ is high. Exceptions: the first layer and the last group stay high.
// Each conv/linear starts a group (lee_grouping.hpp), so the last group's only GEMM layer is
// the last conv/linear: in effect the first and the last GEMM layers are all high.
#include <fmt/core.h>

#include "host/precision/lee_grouping.hpp"
#include "host/precision/policy_factories.hpp"

namespace mpsim::host {
namespace {

// The activations a layer reads: its producers' v, looking through layers that store none (a
// flatten is a view of its input).
std::vector<TensorId> input_activations(const TensorRegistry& registry, const LayerInfo& layer) {
  std::vector<TensorId> out;
  for (LayerId in : layer.inputs) {
    std::vector<TensorId> v = registry.find(in, TensorRole::activation);
    if (v.empty()) v = input_activations(registry, registry.layer(in));
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

class Hfp8Policy final : public Policy {
 public:
  explicit Hfp8Policy(const Hfp8Params& p) : p_(p) {}
  std::string name() const override { return "hfp8"; }

  Assignment initial(const TensorRegistry& registry) override {
    // Forward tensors saturate, backward ones overflow to Inf for the loss scaler (PAPERS.md).
    auto make = [&](const FloatFormat& f, TensorRole role) {
      const bool backward = role == TensorRole::activation_grad || role == TensorRole::weight_grad;
      return rounded_to(f, p_.rounding, backward ? Overflow::infinity : Overflow::saturate);
    };
    Assignment a = fp32_assignment(registry);
    for (const TensorInfo& t : registry.tensors())
      if (is_lee_role(t.role)) a[t.id] = make(p_.high, t.role);
    std::vector<LayerId> gemm_layers;
    for (const LayerInfo& l : registry.layers())
      if (l.kind == LayerKind::conv || l.kind == LayerKind::linear) gemm_layers.push_back(l.id);
    const std::vector<int> group = lee_layer_groups(registry);
    const int last_group = group.empty() ? -1 : group.back();
    low_layers_.clear();
    for (std::size_t i = 0; i < gemm_layers.size(); ++i) {
      const LayerInfo& l = registry.layer(gemm_layers[i]);
      if (i == 0 || group[static_cast<std::size_t>(l.id)] == last_group) continue;
      low_layers_.push_back(l.id);
      for (TensorId t : registry.find(l.id, TensorRole::weight)) a[t] = make(p_.low, TensorRole::weight);
      for (TensorId t : registry.find(l.id, TensorRole::activation_grad)) a[t] = make(p_.low_grad, TensorRole::activation_grad);
      for (TensorId t : registry.find(l.id, TensorRole::weight_grad)) a[t] = make(p_.low_weight_grad, TensorRole::weight_grad);
      for (TensorId t : input_activations(registry, l)) a[t] = make(p_.low, TensorRole::activation);
    }
    return a;
  }
  LossScalerConfig loss_scaling() const override { return p_.loss_scaling; }
  std::string explain(const TensorRegistry& registry, const Assignment& assignment) const override {
    std::string names;
    for (LayerId l : low_layers_) names += (names.empty() ? "" : ", ") + registry.layer(l).name;
    return fmt::format("policy hfp8 (π_op): GEMM layers with low operands: {}\n", names.empty() ? "none" : names) +
           explain_tensors(registry, assignment);
  }

 private:
  Hfp8Params p_;
  std::vector<LayerId> low_layers_;
};

}  // namespace

std::unique_ptr<Policy> make_hfp8_policy(const Hfp8Params& p) { return std::make_unique<Hfp8Policy>(p); }

}  // namespace mpsim::host
