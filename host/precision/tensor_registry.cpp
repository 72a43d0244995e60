#include "host/precision/tensor_registry.hpp"

#include <stdexcept>

namespace mpsim::host {

const char* layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::input: return "input";
    case LayerKind::conv: return "conv";
    case LayerKind::linear: return "linear";
    case LayerKind::batchnorm: return "batchnorm";
    case LayerKind::relu: return "relu";
    case LayerKind::maxpool: return "maxpool";
    case LayerKind::avgpool: return "avgpool";
    case LayerKind::flatten: return "flatten";
    case LayerKind::add: return "add";
    case LayerKind::softmax_ce: return "softmax_ce";
  }
  return "?";
}

LayerId TensorRegistry::add_layer(std::string name, LayerKind kind, std::vector<LayerId> inputs) {
  const LayerId id = static_cast<LayerId>(layers_.size());
  // Forward order is registration order: a layer can only read layers registered before it.
  for (LayerId in : inputs)
    if (in < 0 || in >= id) throw std::invalid_argument("layer '" + name + "': input layer " + std::to_string(in) + " is not registered before it");
  layers_.push_back(LayerInfo{id, std::move(name), kind, std::move(inputs)});
  return id;
}

TensorId TensorRegistry::add_tensor(std::string name, LayerId layer, TensorRole role, std::int64_t numel) {
  if (layer < 0 || layer >= static_cast<LayerId>(layers_.size()))
    throw std::invalid_argument("tensor '" + name + "': unknown layer " + std::to_string(layer));
  if (numel < 0) throw std::invalid_argument("tensor '" + name + "': negative size");
  const TensorId id = static_cast<TensorId>(tensors_.size());
  tensors_.push_back(TensorInfo{id, std::move(name), layer, role, numel});
  return id;
}

std::vector<TensorId> TensorRegistry::find(LayerId layer, TensorRole role) const {
  std::vector<TensorId> out;
  for (const TensorInfo& t : tensors_)
    if (t.layer == layer && t.role == role) out.push_back(t.id);
  return out;
}

TensorId TensorRegistry::find_by_name(const std::string& name) const {
  for (const TensorInfo& t : tensors_)
    if (t.name == name) return t.id;
  return -1;
}

}  // namespace mpsim::host
