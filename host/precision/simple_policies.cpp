// The fixed assignments: uniform (one format), mixed16 (Micikevicius et al. 2018) and
// continuous16 (Yun 2023, PAPERS.md §2). None changes after a step.
#include <fmt/core.h>

#include "host/precision/lee_grouping.hpp"
#include "host/precision/policy_factories.hpp"
#include "model/format_names.hpp"

namespace mpsim::host {
namespace {

bool is_master_role(TensorRole r) { return r == TensorRole::master_weight || r == TensorRole::optimizer_state; }

class UniformPolicy final : public Policy {
 public:
  explicit UniformPolicy(const UniformParams& p) : p_(p) {}
  std::string name() const override { return "uniform"; }
  Assignment initial(const TensorRegistry& registry) override {
    Assignment a = fp32_assignment(registry);
    a.accumulator = p_.accumulator;
    for (const TensorInfo& t : registry.tensors())
      if (is_lee_role(t.role) || (p_.include_master && is_master_role(t.role)))
        a[t.id] = rounded_to(p_.format, p_.rounding, p_.overflow);
    return a;
  }
  LossScalerConfig loss_scaling() const override { return p_.loss_scaling; }

 private:
  UniformParams p_;
};

// Micikevicius et al.: θ (the fp16 working copy), v, dv, dθ in 16 bits; master weights and
// optimizer state fp32. A conversion to fp16 overflows to Inf as IEEE does, which is what the
// loss scaler watches for.
class Mixed16Policy final : public Policy {
 public:
  explicit Mixed16Policy(const Mixed16Params& p) : p_(p) {}
  std::string name() const override { return "mixed16"; }
  Assignment initial(const TensorRegistry& registry) override {
    Assignment a = fp32_assignment(registry);
    for (const TensorInfo& t : registry.tensors())
      if (is_lee_role(t.role)) a[t.id] = rounded_to(p_.half, p_.rounding, Overflow::infinity);
    return a;
  }
  LossScalerConfig loss_scaling() const override { return p_.loss_scaling; }

 private:
  Mixed16Params p_;
};

// Yun: after fp32 pre-training, *everything* in 16 bits, master weights and optimizer state
// included (no fp32 copy); only the loss scale, a scalar, stays fp32.
class Continuous16Policy final : public Policy {
 public:
  explicit Continuous16Policy(const Continuous16Params& p) : p_(p) {}
  std::string name() const override { return "continuous16"; }
  Assignment initial(const TensorRegistry& registry) override {
    Assignment a = fp32_assignment(registry);
    for (const TensorInfo& t : registry.tensors())
      if (t.role != TensorRole::loss_scale) a[t.id] = rounded_to(p_.half, p_.rounding, Overflow::infinity);
    return a;
  }
  LossScalerConfig loss_scaling() const override { return p_.loss_scaling; }
  int pretrain_epochs() const override { return p_.pretrain_epochs; }
  std::filesystem::path pretrain_checkpoint() const override { return p_.checkpoint; }
  std::optional<double> adam_epsilon() const override { return p_.adam_epsilon; }
  std::string explain(const TensorRegistry& registry, const Assignment& assignment) const override {
    return fmt::format("policy continuous16: {} fp32 pre-training epoch(s){}, then pure {} (Adam epsilon {:g})\n",
                       p_.pretrain_epochs, p_.checkpoint.empty() ? "" : " or checkpoint " + p_.checkpoint,
                       format_name(p_.half), p_.adam_epsilon) +
           explain_tensors(registry, assignment);
  }

 private:
  Continuous16Params p_;
};

}  // namespace

std::unique_ptr<Policy> make_uniform_policy(const UniformParams& p) { return std::make_unique<UniformPolicy>(p); }
std::unique_ptr<Policy> make_mixed16_policy(const Mixed16Params& p) { return std::make_unique<Mixed16Policy>(p); }
std::unique_ptr<Policy> make_continuous16_policy(const Continuous16Params& p) {
  return std::make_unique<Continuous16Policy>(p);
}

}  // namespace mpsim::host
