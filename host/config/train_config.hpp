// The training config (configs/train/*.yaml), parsed once into typed structs (STYLE.md 10).
// Below this boundary nothing looks anything up by string.
//
//   dataset:   {name: fashion_mnist, path: "", train_subset: 0, test_subset: 0, augment: false,
//               crop_padding: 4}
//   model:     {name: lenet5, width: 1.0, init: he}
//   optimizer: {name: sgd, lr: 0.05, momentum: 0.9, nesterov: false, weight_decay: 5e-4,
//               beta1: 0.9, beta2: 0.999, eps: 1e-8}
//   schedule:  {name: cosine, warmup_epochs: 0, step_size: 30, gamma: 0.1, min_lr: 0}
//   epochs: 10
//   batch: 128
//   seed: 1
//   divergence_threshold: 100    # mean batch loss above this (or NaN/Inf) ends the run: diverged
//   policy: {name: uniform, format: fp32}   # host/config/policy_config.hpp
//
// Errors are one line, "FILE: key 'optimizer.lr': must be ...", thrown as ConfigFieldError;
// unknown keys name the nearest valid one.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "host/config/policy_config.hpp"
#include "host/data/dataset.hpp"
#include "host/nn/network.hpp"
#include "host/nn/optimizer.hpp"

namespace mpsim::host {

struct TrainConfig {
  std::string file;                 // where it was read from (error messages, summary)
  data::DatasetConfig dataset;
  std::string model = "lenet5";
  double width = 1.0;
  nn::InitScheme init = nn::InitScheme::he;
  nn::OptimizerConfig optimizer;
  nn::ScheduleConfig schedule;
  int epochs = 10;
  std::int64_t batch = 128;
  std::uint64_t seed = 1;
  double divergence_threshold = 100.0;
  PolicyConfig policy;
  std::string policy_name = "uniform";  // as written (summary, checkpoint fingerprint)
};

// Reads FILE, applies `overrides` ("dotted.key=value", YAML value syntax) in order, then
// validates. `policy_override` non-empty replaces the policy node by that name (its defaults).
TrainConfig load_train_config(const std::string& file, const std::vector<std::string>& overrides,
                              const std::string& policy_override = "");
// The same from an open stream; `file` names it in errors.
TrainConfig read_train_config(std::istream& in, const std::string& file, const std::vector<std::string>& overrides,
                              const std::string& policy_override = "");
// The same from an already-loaded document (tests).
TrainConfig parse_train_config(const YAML::Node& root, const std::string& file);
// Sets root[a][b]... = value for "a.b=value"; throws ConfigFieldError for a malformed override.
void apply_override(YAML::Node& root, const std::string& assignment, const std::string& file);

}  // namespace mpsim::host
