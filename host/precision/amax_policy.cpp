// Delayed per-tensor scaling as NVIDIA Transformer Engine's DelayedScaling recipe: θ and v in
// e4m3 (forward), dv and dθ in e5m2 (backward); each tensor is stored as Q(x * s) / s with a
// scale s computed from the amax values of earlier steps (its history), never from the current
// one (that would need a second pass over the data):
//
//   amax  = max(history)              (algorithm max; or the most recent value)
//   exp   = floor(log2(fmax / amax)) - margin
//   s     = 2^exp                     (a power of two: Q(x s)/s is exact scaling)
//   s stays unchanged while amax is 0 or not finite (TE's _default_sf_compute)
//
// The history holds the last `history_length` amax values; the first step runs at s = 1.
#include <cmath>
#include <algorithm>
#include <deque>

#include <fmt/core.h>

#include "host/precision/lee_grouping.hpp"
#include "host/precision/policy_factories.hpp"

namespace mpsim::host {
namespace {

class AmaxPolicy final : public Policy {
 public:
  explicit AmaxPolicy(const AmaxParams& p) : p_(p) {}
  std::string name() const override { return "amax"; }

  Assignment initial(const TensorRegistry& registry) override {
    history_.assign(registry.tensors().size(), {});
    Assignment a = fp32_assignment(registry);
    for (const TensorInfo& t : registry.tensors()) {
      if (!is_lee_role(t.role)) continue;
      const bool backward = t.role == TensorRole::activation_grad || t.role == TensorRole::weight_grad;
      a[t.id] = rounded_to(backward ? p_.backward : p_.forward, Rounding::nearest_even, Overflow::saturate);
    }
    return a;
  }

  std::vector<Promotion> after_step(const TensorRegistry& registry, const StepObservation& observed,
                                    Assignment& assignment) override {
    for (const TensorInfo& t : registry.tensors()) {
      const auto i = static_cast<std::size_t>(t.id);
      if (!is_lee_role(t.role) || i >= observed.tensors.size() || observed.tensors[i].elements == 0) continue;
      std::deque<float>& h = history_[i];
      h.push_back(observed.tensors[i].amax);
      while (static_cast<int>(h.size()) > p_.history_length) h.pop_front();
      assignment[t.id].scale = next_scale(h, assignment[t.id]);
    }
    return {};
  }

  // Per tensor: history length, the history, then the current scale is in the assignment
  // (recomputed from the history on load).
  std::vector<double> save_state() const override {
    std::vector<double> s;
    for (const std::deque<float>& h : history_) {
      s.push_back(double(h.size()));
      for (float v : h) s.push_back(double(v));
    }
    return s;
  }
  void load_state(const std::vector<double>& state, const TensorRegistry& registry, Assignment& assignment) override {
    history_.assign(registry.tensors().size(), {});
    std::size_t k = 0;
    for (std::size_t i = 0; i < history_.size(); ++i) {
      if (k >= state.size()) throw std::invalid_argument("amax policy state: too short for the registry");
      const auto n = static_cast<std::size_t>(state[k++]);
      if (k + n > state.size()) throw std::invalid_argument("amax policy state: too short for the registry");
      for (std::size_t j = 0; j < n; ++j) history_[i].push_back(static_cast<float>(state[k++]));
      TensorPrecision& t = assignment[static_cast<TensorId>(i)];
      if (n > 0) t.scale = next_scale(history_[i], t);
    }
    if (k != state.size()) throw std::invalid_argument("amax policy state: longer than the registry needs");
  }

  std::string explain(const TensorRegistry& registry, const Assignment& assignment) const override {
    return fmt::format("policy amax (delayed scaling): history {}, margin {}, {}\n", p_.history_length, p_.margin,
                       p_.algorithm == AmaxAlgorithm::max ? "max of history" : "most recent amax") +
           explain_tensors(registry, assignment);
  }

 private:
  float next_scale(const std::deque<float>& h, const TensorPrecision& current) const {
    float amax = 0.0f;
    if (p_.algorithm == AmaxAlgorithm::most_recent) {
      amax = h.empty() ? 0.0f : h.back();
    } else {
      for (float v : h) amax = (std::isnan(v) || std::isnan(amax)) ? NAN : std::max(amax, v);
    }
    if (!(amax > 0.0f) || !std::isfinite(amax)) return current.scale;
    const double fmax = current.keep_fp32 ? 3.4028234663852886e38 : current.format.max_finite();
    int e = static_cast<int>(std::floor(std::log2(fmax / double(amax)))) - p_.margin;
    e = std::clamp(e, -126, 127);  // stay a normal float
    return std::ldexp(1.0f, e);
  }

  AmaxParams p_;
  std::vector<std::deque<float>> history_;
};

}  // namespace

std::unique_ptr<Policy> make_amax_policy(const AmaxParams& p) { return std::make_unique<AmaxPolicy>(p); }

}  // namespace mpsim::host
