// Lee et al.'s grouping and group selection (PAPERS.md "Groups", "Assignment π_ours(r)") on the
// hand-worked LeNet-5-like registry of lenet_registry.hpp and on tiny registries built to hit
// ties and exact share landings.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>

#include "host/precision/lee_grouping.hpp"
#include "tests/host/precision/lenet_registry.hpp"

using namespace mpsim;
using namespace mpsim::host;
using namespace mpsim::host::testing;

namespace {

std::vector<int> selected_ids(const GroupSelection& s) {
  std::vector<int> ids;
  for (std::size_t g = 0; g < s.selected.size(); ++g)
    if (s.selected[g]) ids.push_back(static_cast<int>(g));
  return ids;
}

// A chain input -> conv(a) -> linear(b) -> ... with only activations, sizes chosen by the test:
// each GEMM layer starts a group, so group k holds exactly the activation of layer k.
TensorRegistry chain(const std::vector<std::int64_t>& sizes) {
  TensorRegistry r;
  LayerId prev = -1;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const LayerKind kind = i == 0 ? LayerKind::input : LayerKind::linear;
    prev = r.add_layer("l" + std::to_string(i), kind, prev < 0 ? std::vector<LayerId>{} : std::vector<LayerId>{prev});
    r.add_tensor("l" + std::to_string(i) + ".out", prev, TensorRole::activation, sizes[i]);
  }
  return r;
}

}  // namespace

TEST_CASE("Lee groups of a LeNet-5-like registry match the hand-worked table", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  const std::vector<LeeGroup> g = lee_groups(r);
  REQUIRE(g.size() == 6);
  CHECK(g[0].size == kG0);
  CHECK(g[1].size == kG1);
  CHECK(g[2].size == kG2);
  CHECK(g[3].size == kG3);
  CHECK(g[4].size == kG4);
  CHECK(g[5].size == kG5);
  // θ and dθ of a GEMM layer sit in the group of its input's producer ...
  auto group_of = [&](const std::string& name) {
    const TensorId id = id_of(r, name);
    for (const LeeGroup& x : g)
      if (std::find(x.tensors.begin(), x.tensors.end(), id) != x.tensors.end()) return x.id;
    return -1;
  };
  CHECK(group_of("conv1.weight") == 0);
  CHECK(group_of("conv1.dweight") == 0);
  CHECK(group_of("conv2.weight") == 1);
  CHECK(group_of("fc1.weight") == 2);
  CHECK(group_of("fc3.dweight") == 4);
  // ... v and dv in the layer's own group; master weights, momentum, loss scale in none.
  CHECK(group_of("conv1.out") == 1);
  CHECK(group_of("pool2.dout") == 2);
  CHECK(group_of("fc3.out") == 5);
  CHECK(group_of("conv1.master") == -1);
  CHECK(group_of("fc1.momentum") == -1);
  CHECK(group_of("loss_scale") == -1);
  const std::vector<LayerId> g2_layers = {4, 5, 6, 7};  // conv2 relu2 pool2 flatten
  CHECK(g[2].layers == g2_layers);
}

TEST_CASE("largest-first selection stops once the share reaches r", "[host][precision]") {
  const std::vector<LeeGroup> g = lee_groups(lenet_registry());
  // Decreasing: G2 (124800), G1 (89472), G3 (22080), G0 (3436), G4 (3024), G5 (80).
  const GroupSelection s0 = select_groups(g, 0.0, GroupOrder::decreasing, 0);
  CHECK(s0.order == std::vector<int>{2, 1, 3, 0, 4, 5});
  CHECK(selected_ids(s0).empty());
  CHECK(s0.share() == 0.0);
  CHECK(s0.total_size == kTotal);

  // G2 alone is 124800 / 242892 = 0.5138 >= 0.5: lands in [0.5, 0.6].
  const GroupSelection s50 = select_groups(g, 0.5, GroupOrder::decreasing, 0);
  CHECK(selected_ids(s50) == std::vector<int>{2});
  CHECK(s50.selected_size == kG2);
  CHECK(s50.lands_in_window(0.5));
  // 0.52 is not reached by G2: G1 joins, 0.8822, outside [0.52, 0.62].
  const GroupSelection s52 = select_groups(g, 0.52, GroupOrder::decreasing, 0);
  CHECK(selected_ids(s52) == std::vector<int>{1, 2});
  CHECK(s52.selected_size == kG2 + kG1);
  CHECK_FALSE(s52.lands_in_window(0.52));
  const GroupSelection s95 = select_groups(g, 0.95, GroupOrder::decreasing, 0);
  CHECK(selected_ids(s95) == std::vector<int>{1, 2, 3});
  const GroupSelection s1 = select_groups(g, 1.0, GroupOrder::decreasing, 0);
  CHECK(selected_ids(s1) == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(s1.share() == 1.0);
}

TEST_CASE("increasing order takes the smallest groups first", "[host][precision]") {
  const std::vector<LeeGroup> g = lee_groups(lenet_registry());
  // Increasing: G5 80, G4 3024, G0 3436, G3 22080, G1 89472, G2 124800. Cumulative shares:
  // 0.0003, 0.0128, 0.0269, 0.1178, 0.4862, 1.
  const GroupSelection s = select_groups(g, 0.4, GroupOrder::increasing, 0);
  CHECK(s.order == std::vector<int>{5, 4, 0, 3, 1, 2});
  CHECK(selected_ids(s) == std::vector<int>{0, 1, 3, 4, 5});
  CHECK(s.selected_size == kG5 + kG4 + kG0 + kG3 + kG1);
  const GroupSelection s5 = select_groups(g, 0.5, GroupOrder::increasing, 0);
  CHECK(selected_ids(s5).size() == 6);  // 0.4862 < 0.5: only all groups reach it
  const GroupSelection s1 = select_groups(g, 0.1, GroupOrder::increasing, 0);
  CHECK(selected_ids(s1) == std::vector<int>{0, 3, 4, 5});
}

TEST_CASE("ties keep forward order and an exact landing stops the selection", "[host][precision]") {
  // Groups: G0 = 30, G1 = 40, G2 = 30 (total 100).
  const std::vector<LeeGroup> g = lee_groups(chain({30, 40, 30}));
  REQUIRE(g.size() == 3);
  const GroupSelection dec = select_groups(g, 0.7, GroupOrder::decreasing, 0);
  CHECK(dec.order == std::vector<int>{1, 0, 2});  // tie 30/30: the earlier group first
  CHECK(selected_ids(dec) == std::vector<int>{0, 1});  // 0.4 + 0.3 = 0.7 exactly reaches r: stop
  CHECK(dec.share() == Approx(0.7));
  const GroupSelection inc = select_groups(g, 0.3, GroupOrder::increasing, 0);
  CHECK(inc.order == std::vector<int>{0, 2, 1});
  CHECK(selected_ids(inc) == std::vector<int>{0});
  const GroupSelection inc61 = select_groups(g, 0.61, GroupOrder::increasing, 0);
  CHECK(selected_ids(inc61) == std::vector<int>{0, 1, 2});  // 0.6 < 0.61: G1 joins
}

TEST_CASE("random order is a seeded permutation and selects a prefix of it", "[host][precision]") {
  const std::vector<LeeGroup> g = lee_groups(lenet_registry());
  std::set<std::vector<int>> orders;
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    const GroupSelection a = select_groups(g, 0.5, GroupOrder::random, seed);
    const GroupSelection b = select_groups(g, 0.5, GroupOrder::random, seed);
    CHECK(a.order == b.order);
    std::vector<int> sorted = a.order;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<int>{0, 1, 2, 3, 4, 5});
    orders.insert(a.order);
    // The selected set is the shortest prefix of the order whose size reaches r.
    std::int64_t cum = 0;
    std::size_t k = 0;
    while (double(cum) < 0.5 * double(kTotal)) cum += g[static_cast<std::size_t>(a.order[k++])].size;
    std::vector<int> prefix(a.order.begin(), a.order.begin() + static_cast<long>(k));
    std::sort(prefix.begin(), prefix.end());
    CHECK(selected_ids(a) == prefix);
    CHECK(a.selected_size == cum);
  }
  CHECK(orders.size() >= 3);  // seeds give different orders
}
