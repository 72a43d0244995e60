// Buffers that live across steps: allocated once for a batch size through the backend and
// reused (a new allocation only when the shape changes, e.g. the smaller last batch).
#pragma once

#include <string>
#include <vector>

#include "kernels/backend.hpp"

namespace mpsim::host::nn {

inline void ensure_shape(kernels::Backend& backend, kernels::Tensor& t, const std::vector<std::int64_t>& shape,
                         const std::string& name) {
  if (!t.empty() && t.shape() == shape) return;
  t = backend.empty(shape, formats::fp32, name);
}

}  // namespace mpsim::host::nn
