// π_ours(r) of Lee, Sharma, Aiken (TMLR 2023), exactly as PAPERS.md states it:
// - groups and the selected set from lee_grouping.hpp (largest first until the share reaches r);
// - chosen groups: θ and v in `low` (1-4-3, bias 11), dv in `low_grad` (1-5-2), dθ in
//   `low_weight_grad` (1-6-9); everything else `high` (1-6-9); master weights, momentum and the
//   loss scale fp32 (not assigned);
// - rounding to nearest, ties away from zero; θ and v saturate, dv and dθ overflow to Inf so
//   the dynamic loss scaler (growth after one epoch of clean steps) sees it;
// - promotion: after every iteration, a θ or v that is currently low and had at least
//   `promotion_threshold` (1%) of its elements at |x| >= max + ½ulp (fp32 values before
//   rounding) becomes high for the rest of training; per tensor, sticky, logged. Gradients are
//   never promoted.
#include <cmath>
#include <stdexcept>

#include <fmt/core.h>

#include "host/precision/lee_grouping.hpp"
#include "host/precision/policy_factories.hpp"
#include "model/format_names.hpp"

namespace mpsim::host {
namespace {

const char* order_name(GroupOrder o) {
  switch (o) {
    case GroupOrder::decreasing: return "decreasing";
    case GroupOrder::increasing: return "increasing";
    case GroupOrder::random: return "random";
  }
  return "?";
}

class LeePolicy final : public Policy {
 public:
  explicit LeePolicy(const LeeParams& p) : p_(p) {}
  std::string name() const override { return "lee"; }

  Assignment initial(const TensorRegistry& registry) override {
    groups_ = lee_groups(registry);
    selection_ = select_groups(groups_, p_.r, p_.order, p_.order_seed);
    low_.assign(registry.tensors().size(), false);
    promoted_.assign(registry.tensors().size(), false);
    Assignment a = fp32_assignment(registry);
    for (const TensorInfo& t : registry.tensors())
      if (is_lee_role(t.role)) a[t.id] = precision(p_.high, t.role);
    for (const LeeGroup& g : groups_) {
      if (!selection_.selected[static_cast<std::size_t>(g.id)]) continue;
      for (TensorId id : g.tensors) {
        const TensorRole role = registry.tensor(id).role;
        a[id] = precision(low_format(role), role);
        low_[static_cast<std::size_t>(id)] = true;
      }
    }
    return a;
  }

  std::vector<Promotion> after_step(const TensorRegistry& registry, const StepObservation& observed,
                                    Assignment& assignment) override {
    std::vector<Promotion> out;
    if (!p_.promotion_threshold) return out;
    for (const TensorInfo& t : registry.tensors()) {
      const auto i = static_cast<std::size_t>(t.id);
      if (t.role != TensorRole::weight && t.role != TensorRole::activation) continue;  // gradients: never
      if (i >= low_.size() || !low_[i] || promoted_[i] || i >= observed.tensors.size()) continue;
      const TensorObservation& o = observed.tensors[i];
      if (o.elements <= 0) continue;
      const double fraction = double(o.overflow) / double(o.elements);
      if (fraction >= *p_.promotion_threshold) {
        promote(t.id, assignment);
        out.push_back(Promotion{observed.step, t.id, fraction, p_.low_forward(), p_.high});
      }
    }
    return out;
  }

  LossScalerConfig loss_scaling() const override { return p_.loss_scaling; }

  std::vector<double> save_state() const override {
    std::vector<double> s;
    for (std::size_t i = 0; i < promoted_.size(); ++i)
      if (promoted_[i]) s.push_back(double(i));
    return s;
  }
  void load_state(const std::vector<double>& state, const TensorRegistry& registry, Assignment& assignment) override {
    if (low_.size() != registry.tensors().size())
      throw std::logic_error("lee policy: load_state() before initial() on this registry");
    for (double v : state) {
      const auto id = static_cast<TensorId>(v);
      if (id < 0 || id >= static_cast<TensorId>(registry.tensors().size()) || double(id) != v)
        throw std::invalid_argument(fmt::format("lee policy state: {} is not a tensor id", v));
      const TensorRole role = registry.tensor(id).role;
      if (low_[static_cast<std::size_t>(id)] && (role == TensorRole::weight || role == TensorRole::activation))
        promote(id, assignment);
    }
  }

  std::string explain(const TensorRegistry& registry, const Assignment& assignment) const override {
    std::string out = fmt::format(
        "policy lee (π_ours): r = {:g}, order {}{}, promotion {}, low {} / dv {} / dθ {}, high {}\n", p_.r,
        order_name(p_.order), p_.order == GroupOrder::random ? fmt::format(" (seed {})", p_.order_seed) : "",
        p_.promotion_threshold ? fmt::format("at {:g} overflow", *p_.promotion_threshold) : std::string("off"),
        format_name(p_.low_forward()), format_name(p_.low_grad), format_name(p_.low_weight_grad), format_name(p_.high));
    out += fmt::format("{:>5} {:>10} {:>8} {:>5} {:>9} {:>3}  layers\n", "group", "size", "share", "rank", "cum_share", "low");
    std::vector<int> rank(groups_.size(), 0);
    std::vector<double> cumulative(groups_.size(), 0.0);
    double cum = 0;
    for (std::size_t k = 0; k < selection_.order.size(); ++k) {
      const auto g = static_cast<std::size_t>(selection_.order[k]);
      rank[g] = static_cast<int>(k);
      cum += selection_.total_size ? double(groups_[g].size) / double(selection_.total_size) : 0.0;
      cumulative[g] = cum;
    }
    for (const LeeGroup& g : groups_) {
      std::string layers;
      for (LayerId l : g.layers) layers += (layers.empty() ? "" : " ") + registry.layer(l).name;
      const auto gi = static_cast<std::size_t>(g.id);
      out += fmt::format("{:>5} {:>10} {:>8.4f} {:>5} {:>9.4f} {:>3}  {}\n", g.id, g.size,
                         selection_.total_size ? double(g.size) / double(selection_.total_size) : 0.0, rank[gi],
                         cumulative[gi], selection_.selected[gi] ? "yes" : "no", layers);
    }
    out += fmt::format("selected share {:.4f} of {} elements (target r = {:g}; in [r, r+0.1]: {})\n", selection_.share(),
                       selection_.total_size, p_.r, selection_.lands_in_window(p_.r) ? "yes" : "no");
    return out + explain_tensors(registry, assignment);
  }

 private:
  FloatFormat low_format(TensorRole role) const {
    switch (role) {
      case TensorRole::activation_grad: return p_.low_grad;
      case TensorRole::weight_grad: return p_.low_weight_grad;
      default: return p_.low_forward();
    }
  }
  TensorPrecision precision(const FloatFormat& f, TensorRole role) const {
    const bool backward = role == TensorRole::activation_grad || role == TensorRole::weight_grad;
    return rounded_to(f, p_.rounding, backward ? Overflow::infinity : Overflow::saturate);
  }
  // Only θ and v are ever promoted, so the high precision is the forward one (saturating).
  void promote(TensorId id, Assignment& assignment) {
    promoted_[static_cast<std::size_t>(id)] = true;
    assignment[id] = precision(p_.high, TensorRole::weight);
  }

  LeeParams p_;
  std::vector<LeeGroup> groups_;
  GroupSelection selection_;
  std::vector<bool> low_, promoted_;
};

}  // namespace

std::unique_ptr<Policy> make_lee_policy(const LeeParams& p) { return std::make_unique<LeePolicy>(p); }

}  // namespace mpsim::host
