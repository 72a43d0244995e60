// Models by name with a width multiplier (channel and hidden counts scale by `width`, at least
// one): mlp, lenet5, resnet8, resnet20 (He et al. 2016, section 4.2: 6n+2 layers, n = 1 and 3),
// vgg (a small VGG-style CNN).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/nn/network.hpp"

namespace mpsim::host::nn {

inline const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names{"mlp", "lenet5", "resnet8", "resnet20", "vgg"};
  return names;
}

// input_shape [C, H, W]. Throws std::invalid_argument for an unknown name.
Network make_model(const std::string& name, double width, const std::vector<std::int64_t>& input_shape, int classes);

}  // namespace mpsim::host::nn
