// Everything one training run holds: the model, its tensors' registry and assignment, the
// optimizer, the policy and the loss scaler, built in the order the registry needs (layers,
// then optimizer state, then the policy's initial assignment).
#pragma once

#include <memory>
#include <string>

#include "host/config/train_config.hpp"
#include "host/data/dataset.hpp"
#include "host/nn/models.hpp"
#include "host/nn/optimizer.hpp"
#include "host/precision/loss_scaler.hpp"
#include "host/precision/policy.hpp"
#include "host/train/checkpoint.hpp"

namespace mpsim::host::train {

struct Session {
  Session(const TrainConfig& config, const data::Dataset& train_set, kernels::Backend& backend);

  const TrainConfig& config;
  nn::PrecisionContext ctx;
  nn::Network net;
  nn::Optimizer optimizer;
  std::unique_ptr<Policy> policy;
  Assignment policy_initial;   // the policy's own assignment (after any fp32 pre-training)
  LossScaler scaler;
  std::int64_t steps_per_epoch;

  // continuous16: fp32 until `pretrain_epochs` epochs are done, then the policy's assignment.
  bool pretraining(int epoch) const { return epoch < policy->pretrain_epochs(); }
  // The config and the registry in one string: a checkpoint of another model or policy is refused.
  std::string fingerprint() const;
  Checkpoint checkpoint(const RunState& state) const;
  void restore(const Checkpoint& c);
  // continuous16 (Yun): start from the weights of another run's checkpoint (`path` names it in
  // errors). The model, width and dataset must match; the optimizer state is taken too when the
  // checkpoint's optimizer kept as many tensors per parameter as this one does (Adam: m and v),
  // else it starts at zero. The run itself starts at epoch 1, with this run's policy.
  void load_pretrained(const Checkpoint& c, const std::string& path);
};

}  // namespace mpsim::host::train
