// Every tensor that arises in training, registered once when the model is built, with its
// layer, role and size (Lee et al.: θ, v, dv, dθ of every layer; plus master weights, optimizer
// state and the loss scale). A precision assignment (assignment.hpp) is a format per registered
// tensor; policies (policy.hpp) decide it from this registry alone, so they never look at layers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/workload.hpp"

namespace mpsim::host {

// Layer kinds as Lee et al.'s grouping sees them: a new group starts at the input and at every
// conv and linear layer; every other kind joins the current group.
enum class LayerKind : std::uint8_t { input, conv, linear, batchnorm, relu, maxpool, avgpool, flatten, add, softmax_ce };
const char* layer_kind_name(LayerKind k);

using TensorId = int;
using LayerId = int;

struct LayerInfo {
  LayerId id = 0;              // index in forward order
  std::string name;            // e.g. "conv1", "layer2.0.bn1"
  LayerKind kind = LayerKind::input;
  std::vector<LayerId> inputs; // producers of this layer's inputs (empty for the input layer)
};

struct TensorInfo {
  TensorId id = 0;
  std::string name;            // "<layer>.<what>", e.g. "conv1.weight", "conv1.out", "conv1.dout"
  LayerId layer = 0;
  TensorRole role = TensorRole::activation;
  std::int64_t numel = 0;      // activation-sized tensors at the training batch size
};

class TensorRegistry {
 public:
  LayerId add_layer(std::string name, LayerKind kind, std::vector<LayerId> inputs);
  TensorId add_tensor(std::string name, LayerId layer, TensorRole role, std::int64_t numel);

  const std::vector<LayerInfo>& layers() const { return layers_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const LayerInfo& layer(LayerId id) const { return layers_.at(static_cast<std::size_t>(id)); }
  const TensorInfo& tensor(TensorId id) const { return tensors_.at(static_cast<std::size_t>(id)); }
  // The tensors of one layer with one role, in registration order.
  std::vector<TensorId> find(LayerId layer, TensorRole role) const;
  // -1 when absent.
  TensorId find_by_name(const std::string& name) const;

 private:
  std::vector<LayerInfo> layers_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace mpsim::host
