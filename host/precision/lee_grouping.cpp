#include "host/precision/lee_grouping.hpp"

#include <algorithm>
#include <numeric>

#include "model/philox.hpp"

namespace mpsim::host {

bool is_lee_role(TensorRole role) {
  return role == TensorRole::weight || role == TensorRole::activation || role == TensorRole::activation_grad ||
         role == TensorRole::weight_grad;
}

std::vector<int> lee_layer_groups(const TensorRegistry& registry) {
  std::vector<int> group(registry.layers().size(), 0);
  int current = -1;
  for (const LayerInfo& l : registry.layers()) {
    const bool starts = l.kind == LayerKind::input || l.kind == LayerKind::conv || l.kind == LayerKind::linear;
    if (starts || current < 0) ++current;
    group[static_cast<std::size_t>(l.id)] = current;
  }
  return group;
}

std::vector<LeeGroup> lee_groups(const TensorRegistry& registry) {
  const std::vector<int> layer_group = lee_layer_groups(registry);
  const int n = layer_group.empty() ? 0 : layer_group.back() + 1;
  std::vector<LeeGroup> groups(static_cast<std::size_t>(n));
  for (int g = 0; g < n; ++g) groups[static_cast<std::size_t>(g)].id = g;
  for (const LayerInfo& l : registry.layers()) groups[static_cast<std::size_t>(layer_group[static_cast<std::size_t>(l.id)])].layers.push_back(l.id);
  for (const TensorInfo& t : registry.tensors()) {
    if (!is_lee_role(t.role)) continue;
    const LayerInfo& owner = registry.layer(t.layer);
    LayerId home = t.layer;
    // θ and dθ go with the producer of the layer's input (PAPERS.md "Groups"); a parameter of a
    // layer without inputs (not expected) stays in its own layer's group.
    if ((t.role == TensorRole::weight || t.role == TensorRole::weight_grad) && !owner.inputs.empty()) home = owner.inputs.front();
    LeeGroup& g = groups[static_cast<std::size_t>(layer_group[static_cast<std::size_t>(home)])];
    g.tensors.push_back(t.id);
    g.size += t.numel;
  }
  for (LeeGroup& g : groups) std::sort(g.tensors.begin(), g.tensors.end());
  return groups;
}

GroupSelection select_groups(const std::vector<LeeGroup>& groups, double r, GroupOrder order, std::uint64_t seed) {
  GroupSelection s;
  s.order.resize(groups.size());
  std::iota(s.order.begin(), s.order.end(), 0);
  auto size_of = [&](int g) { return groups[static_cast<std::size_t>(g)].size; };
  switch (order) {
    case GroupOrder::decreasing:  // largest first, ties: earlier group first (stable)
      std::stable_sort(s.order.begin(), s.order.end(), [&](int a, int b) { return size_of(a) > size_of(b); });
      break;
    case GroupOrder::increasing:  // smallest first, ties: earlier group first
      std::stable_sort(s.order.begin(), s.order.end(), [&](int a, int b) { return size_of(a) < size_of(b); });
      break;
    case GroupOrder::random:  // Fisher-Yates with Philox draws: the same on every platform
      for (std::size_t i = s.order.size(); i > 1; --i) {
        const std::uint64_t j = (std::uint64_t{random_bits(seed, 0x6E0, i)} * i) >> 32;
        std::swap(s.order[i - 1], s.order[j]);
      }
      break;
  }
  s.selected.assign(groups.size(), false);
  for (const LeeGroup& g : groups) s.total_size += g.size;
  if (r <= 0.0 || s.total_size == 0) return s;
  for (int g : s.order) {
    // r = 1 takes every group, the empty ones included; otherwise stop once the share reaches r
    // (within 1e-12, so a share that equals r up to rounding of the division counts as reached).
    if (r < 1.0 && double(s.selected_size) / double(s.total_size) >= r - 1e-12) break;
    s.selected[static_cast<std::size_t>(g)] = true;
    s.selected_size += size_of(g);
  }
  return s;
}

}  // namespace mpsim::host
