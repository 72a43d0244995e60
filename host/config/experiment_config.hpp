// The co-design experiment (configs/experiments/*.yaml, issue 8): which network to train, which
// precision assignments to compare, on which hardware configurations, with which seeds.
//
//   name: default
//   train: ../train/lenet5_fmnist.yaml      # a training config (paths: relative to this file)
//   set: ["epochs=2"]                       # overrides of the training config, as `--set`
//   seeds: [1]                              # several seeds: mean and spread per point
//   hw: [../hw/edge_16x16.yaml, ../hw/large_128x128.yaml]
//   timing: mpsim                           # mpsim | scalesim (default: each hw config's own)
//   backend: cpu                            # cpu | cuda
//   threads: 0                              # 0: all cores
//   out: results/default                    # relative to the working directory
//   assignments:
//     - {label: fp32,   policy: {name: uniform, format: fp32}}
//     - {label: lee_r50, policy: {name: lee, r: 0.5}}
//
// Everything is validated before anything runs: each assignment's policy and overrides are
// applied to the training config and parsed (host/config/train_config.hpp), each hw config is
// loaded. Errors are one line "FILE: key 'assignments[2].label': ..." (ConfigFieldError).
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "host/config/train_config.hpp"
#include "sim/hw_config.hpp"

namespace mpsim::host {

struct ExperimentAssignment {
  std::string label;         // unique; names the point's directory and the report's rows
  TrainConfig train;         // the training config with this assignment's policy (seed unset)
  YAML::Node train_yaml;     // the same, as the merged YAML document (the cache key hashes it)
};

struct ExperimentConfig {
  std::string file, name;
  std::string train_file;
  std::vector<std::string> overrides;
  std::vector<std::uint64_t> seeds;
  std::vector<std::string> hw_files;
  std::vector<sim::HwConfig> hw;
  bool timing_set = false;
  sim::TimingMode timing = sim::TimingMode::mpsim;
  std::string backend = "cpu";
  int threads = 0;
  std::string out;
  std::vector<ExperimentAssignment> assignments;
};

// Throws ConfigFieldError (one line) for anything invalid, including a bad training config or
// hw config it names.
ExperimentConfig load_experiment_config(const std::string& file);
// The same from an open stream; `file` names it in errors and anchors its relative paths.
ExperimentConfig read_experiment_config(std::istream& in, const std::string& file);

// The training config of one point: the assignment's config with `seed`.
TrainConfig point_train_config(const ExperimentAssignment& a, std::uint64_t seed);

}  // namespace mpsim::host
