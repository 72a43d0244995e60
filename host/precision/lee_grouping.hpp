// Lee, Sharma, Aiken (TMLR 2023), PAPERS.md "Groups" and "Assignment π_ours(r)": the grouping
// of tensors and the choice of which groups go low. Pure functions of the registry, so tests and
// `mpsim train --explain-assignment` see exactly what the lee policy uses.
//
// Grouping: layers in forward order; a new group starts at the input layer and at every conv
// and linear layer, any other layer joins the current group. A layer's v and dv belong to the
// layer's own group; its θ and dθ to the group of the layer that produced its input (so choosing
// a group makes *both* operands of the next GEMM low). Size = Σ numel over the group's tensors
// (roles weight, activation, activation_grad, weight_grad; nothing else is assigned).
//
// Selection: order the groups (decreasing size, ties earlier first: the paper's; or increasing,
// or a seeded random permutation: the ablations) and take groups in that order until their
// cumulative share of all elements reaches r. r = 0: none; r = 1: all.
#pragma once

#include <cstdint>
#include <vector>

#include "host/precision/tensor_registry.hpp"

namespace mpsim::host {

// The roles Lee et al. assign (θ, v, dv, dθ); the others (master weights, optimizer state, loss
// scale) always stay fp32 in their scheme.
bool is_lee_role(TensorRole role);

struct LeeGroup {
  int id = 0;                       // in forward order; group 0 starts at the input layer
  std::vector<LayerId> layers;      // layers whose v/dv it holds, forward order
  std::vector<TensorId> tensors;    // its θ, v, dv, dθ tensors, registration order
  std::int64_t size = 0;            // Σ numel of `tensors`
};

// Every layer's group (index = LayerId), then the groups. A registry whose first layer is not
// an input layer still starts group 0 at its first layer.
std::vector<int> lee_layer_groups(const TensorRegistry& registry);
std::vector<LeeGroup> lee_groups(const TensorRegistry& registry);

enum class GroupOrder : std::uint8_t { decreasing, increasing, random };

struct GroupSelection {
  std::vector<int> order;       // group ids in the order they were considered
  std::vector<bool> selected;   // per group id: low precision
  std::int64_t selected_size = 0, total_size = 0;
  double share() const { return total_size ? double(selected_size) / double(total_size) : 0.0; }
  // The paper keeps runs whose share lands in [r, r + 0.1] (PAPERS.md).
  bool lands_in_window(double r) const { return share() >= r - 1e-12 && share() <= r + 0.1 + 1e-12; }
};

// r in [0, 1]; `seed` only for GroupOrder::random.
GroupSelection select_groups(const std::vector<LeeGroup>& groups, double r, GroupOrder order, std::uint64_t seed);

}  // namespace mpsim::host
