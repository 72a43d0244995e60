// Precision-assignment policies (issue 7; PAPERS.md for lee and continuous16): a policy turns
// the tensor registry into an Assignment, may change it after every step (Lee et al.'s
// promotion, amax scaling), and says how the loss is scaled. The training loop (host/train/)
// calls only this interface, so adding a policy never touches the loop.
//
// Policies by name (`mpsim policies` lists them with parameters and defaults): uniform, mixed16,
// hfp8, lee, continuous16, amax, custom. Their typed parameters are parsed from YAML in
// host/config/policy_config.cpp; nothing below that passes strings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/precision/assignment.hpp"
#include "host/precision/loss_scaler.hpp"
#include "host/precision/tensor_registry.hpp"

namespace mpsim::host {

struct PolicyConfig;  // host/config/policy_config.hpp: the policy's name and typed parameters

// What the loop observed for one tensor during the last step (summed over its writes).
struct TensorObservation {
  std::int64_t elements = 0;         // elements rounded
  std::int64_t overflow = 0;         // |x| >= max + ½ulp before rounding (QuantizeCounts::overflow)
  std::int64_t underflow_to_zero = 0;
  float amax = 0.0f;                 // max |x| before rounding (scaled back: in the tensor's units)
};
struct StepObservation {
  std::int64_t step = 0;
  int epoch = 0;
  std::vector<TensorObservation> tensors;  // indexed by TensorId
};

struct Promotion {
  std::int64_t step = 0;
  TensorId tensor = 0;
  double overflow_fraction = 0.0;
  FloatFormat from, to;
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string name() const = 0;
  // The assignment before the first step of the policy's own training (after pre-training).
  virtual Assignment initial(const TensorRegistry& registry) = 0;
  // Called after every optimizer step with what was observed; may change `assignment` (promote
  // a tensor, update a scale). Returns the promotions it made, for the log.
  virtual std::vector<Promotion> after_step(const TensorRegistry& registry, const StepObservation& observed,
                                            Assignment& assignment) {
    (void)registry, (void)observed, (void)assignment;
    return {};
  }
  virtual LossScalerConfig loss_scaling() const { return {}; }
  // continuous16: epochs of fp32 pre-training (with fp32_assignment()) before the policy's
  // assignment takes over (0: none), or an fp32 checkpoint to start from instead (empty: none).
  virtual int pretrain_epochs() const { return 0; }
  virtual std::filesystem::path pretrain_checkpoint() const { return {}; }
  // continuous16: Adam's epsilon the policy asks for (Yun: the instability knob); nullopt: the
  // optimizer's own.
  virtual std::optional<double> adam_epsilon() const { return std::nullopt; }

  // What a checkpoint must hold, beyond the registry, to resume bit-identically: lee's promoted
  // tensors, amax's histories and scales. On resume: a = initial(registry); then
  // load_state(saved, registry, a) re-applies them to a.
  virtual std::vector<double> save_state() const { return {}; }
  virtual void load_state(const std::vector<double>& state, const TensorRegistry& registry, Assignment& assignment) {
    (void)state, (void)registry, (void)assignment;
  }
  // Human-readable account of the decision (Lee et al.'s groups, sizes, the selected set), for
  // `mpsim train --explain-assignment`.
  virtual std::string explain(const TensorRegistry& registry, const Assignment& assignment) const;
};

std::unique_ptr<Policy> make_policy(const PolicyConfig& config);

}  // namespace mpsim::host
