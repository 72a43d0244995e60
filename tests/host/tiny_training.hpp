// The small training runs the host tests share: the tiny synthetic config
// (configs/train/tiny_synthetic.yaml's settings) with overrides, its dataset, and comparisons of
// two runs' metrics (tests/host/test_train.cpp, test_train_cuda.cpp).
#pragma once

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "host/config/train_config.hpp"
#include "host/data/dataset.hpp"
#include "host/train/trainer.hpp"

namespace mpsim::test {

inline host::TrainConfig tiny(const std::vector<std::string>& overrides = {}) {
  YAML::Node root = YAML::Load(R"(
dataset: {name: synthetic, train_subset: 1024, test_subset: 512}
model: {name: lenet5, width: 0.5}
optimizer: {name: sgd, lr: 0.01, momentum: 0.9, weight_decay: 5.0e-4}
schedule: {name: cosine}
epochs: 2
batch: 32
seed: 1
policy: uniform
)");
  for (const auto& o : overrides) host::apply_override(root, o, "test");
  return host::parse_train_config(root, "test");
}

inline const host::data::DatasetSplit& synthetic() {
  static const host::data::DatasetSplit split = host::data::load_dataset(tiny().dataset);
  return split;
}

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Everything in the metrics but the wall times.
inline void check_same_metrics(const host::train::RunState& a, const host::train::RunState& b) {
  REQUIRE(a.epochs.size() == b.epochs.size());
  for (std::size_t i = 0; i < a.epochs.size(); ++i) {
    auto x = a.epochs[i], y = b.epochs[i];
    x.train_seconds = y.train_seconds = x.eval_seconds = y.eval_seconds = 0;
    CHECK(std::memcmp(&x, &y, sizeof x) == 0);
  }
  CHECK(a.step == b.step);
  CHECK(a.status == b.status);
}

}  // namespace mpsim::test
