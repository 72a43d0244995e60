// A hand-built LeNet-5-like registry (batch B = 4) for the precision tests, with its Lee groups
// worked out by hand from PAPERS.md "Groups" (θ/dθ go to the group of the layer producing the
// layer's input; v/dv to the layer's own group):
//
//   layer     kind     θ      v (x B)   group
//   input     input    -      784       G0
//   conv1     conv     150    4704      G1   (θ → G0: its input is `input`)
//   relu1     relu     -      4704      G1
//   pool1     maxpool  -      1176      G1
//   conv2     conv     2400   1600      G2   (θ → G1)
//   relu2     relu     -      1600      G2
//   pool2     maxpool  -      400       G2
//   flatten   flatten  -      -         G2   (a view: no tensors)
//   fc1       linear   48000  120       G3   (θ → G2)
//   relu3     relu     -      120       G3
//   fc2       linear   10080  84        G4   (θ → G3)
//   relu4     relu     -      84        G4
//   fc3       linear   840    10        G5   (θ → G4)
//   loss      softmax  -      -         G5
//
// Every layer with a θ also has dθ (same size) and a master weight and momentum (not assigned);
// every layer with v except the input also has dv (same size).
#pragma once

#include <cstdint>
#include <string>

#include "host/precision/tensor_registry.hpp"

namespace mpsim::host::testing {

inline constexpr std::int64_t kBatch = 4;

inline TensorRegistry lenet_registry() {
  TensorRegistry r;
  LayerId prev = -1;
  auto layer = [&](const std::string& name, LayerKind kind, std::int64_t params, std::int64_t out_per_sample) {
    const LayerId id = r.add_layer(name, kind, prev < 0 ? std::vector<LayerId>{} : std::vector<LayerId>{prev});
    if (params > 0) {
      r.add_tensor(name + ".weight", id, TensorRole::weight, params);
      r.add_tensor(name + ".master", id, TensorRole::master_weight, params);
      r.add_tensor(name + ".momentum", id, TensorRole::optimizer_state, params);
    }
    if (out_per_sample > 0) r.add_tensor(name + ".out", id, TensorRole::activation, out_per_sample * kBatch);
    if (out_per_sample > 0 && kind != LayerKind::input)
      r.add_tensor(name + ".dout", id, TensorRole::activation_grad, out_per_sample * kBatch);
    if (params > 0) r.add_tensor(name + ".dweight", id, TensorRole::weight_grad, params);
    prev = id;
  };
  layer("input", LayerKind::input, 0, 784);
  layer("conv1", LayerKind::conv, 150, 4704);
  layer("relu1", LayerKind::relu, 0, 4704);
  layer("pool1", LayerKind::maxpool, 0, 1176);
  layer("conv2", LayerKind::conv, 2400, 1600);
  layer("relu2", LayerKind::relu, 0, 1600);
  layer("pool2", LayerKind::maxpool, 0, 400);
  layer("flatten", LayerKind::flatten, 0, 0);
  layer("fc1", LayerKind::linear, 48000, 120);
  layer("relu3", LayerKind::relu, 0, 120);
  layer("fc2", LayerKind::linear, 10080, 84);
  layer("relu4", LayerKind::relu, 0, 84);
  layer("fc3", LayerKind::linear, 840, 10);
  layer("loss", LayerKind::softmax_ce, 0, 0);
  r.add_tensor("loss_scale", static_cast<LayerId>(r.layers().size() - 1), TensorRole::loss_scale, 1);
  return r;
}

// Group sizes by hand (B = 4): v + dv of the group's layers, plus θ + dθ it receives.
inline constexpr std::int64_t kG0 = 784 * kBatch + 2 * 150;                         // 3436
inline constexpr std::int64_t kG1 = 2 * (4704 + 4704 + 1176) * kBatch + 2 * 2400;   // 89472
inline constexpr std::int64_t kG2 = 2 * (1600 + 1600 + 400) * kBatch + 2 * 48000;   // 124800
inline constexpr std::int64_t kG3 = 2 * (120 + 120) * kBatch + 2 * 10080;           // 22080
inline constexpr std::int64_t kG4 = 2 * (84 + 84) * kBatch + 2 * 840;               // 3024
inline constexpr std::int64_t kG5 = 2 * 10 * kBatch;                                // 80
inline constexpr std::int64_t kTotal = kG0 + kG1 + kG2 + kG3 + kG4 + kG5;           // 242892

inline TensorId id_of(const TensorRegistry& r, const std::string& name) {
  const TensorId id = r.find_by_name(name);
  if (id < 0) throw std::invalid_argument("test registry has no tensor " + name);
  return id;
}

}  // namespace mpsim::host::testing
