// The lee policy (π_ours(r), PAPERS.md): per-role formats of the selected groups, rounding and
// overflow modes, loss scaling, and the 1% promotion rule (fires at >= threshold, not below;
// sticky; never for gradients; survives a save/load of the policy state).
#include <catch2/catch.hpp>

#include "host/config/policy_config.hpp"
#include "host/precision/policy.hpp"
#include "tests/host/precision/lenet_registry.hpp"

using namespace mpsim;
using namespace mpsim::host;
using namespace mpsim::host::testing;

namespace {

std::unique_ptr<Policy> lee(double r, std::optional<double> promotion = 0.01) {
  LeeParams p;
  p.r = r;
  p.promotion_threshold = promotion;
  return make_policy(PolicyConfig{p});
}

StepObservation empty_observation(const TensorRegistry& r, std::int64_t step) {
  StepObservation o;
  o.step = step;
  o.tensors.resize(r.tensors().size());
  return o;
}

}  // namespace

TEST_CASE("lee at r = 0.5 puts group 2 low with the paper's per-role formats", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  auto policy = lee(0.5);
  const Assignment a = policy->initial(r);
  REQUIRE(a.tensors.size() == r.tensors().size());
  const TensorPrecision lo_fwd = a[id_of(r, "fc1.weight")];  // θ of fc1: group 2
  CHECK(lo_fwd.format == formats::hfp8_lo);
  CHECK(lo_fwd.rounding == Rounding::nearest_away);
  CHECK(lo_fwd.overflow == Overflow::saturate);
  CHECK_FALSE(lo_fwd.keep_fp32);
  CHECK(a[id_of(r, "pool2.out")].format == formats::hfp8_lo);  // v in group 2
  const TensorPrecision lo_dv = a[id_of(r, "conv2.dout")];
  CHECK(lo_dv.format == formats::hfp8_grad);
  CHECK(lo_dv.overflow == Overflow::infinity);
  const TensorPrecision lo_dw = a[id_of(r, "fc1.dweight")];
  CHECK(lo_dw.format == formats::hfp8_hi);  // dθ stays 1-6-9 even when "low"
  CHECK(lo_dw.overflow == Overflow::infinity);
  // Outside group 2: high 1-6-9; conv2's θ is in group 1.
  CHECK(a[id_of(r, "conv2.weight")].format == formats::hfp8_hi);
  CHECK(a[id_of(r, "conv2.weight")].overflow == Overflow::saturate);
  CHECK(a[id_of(r, "relu1.dout")].format == formats::hfp8_hi);
  CHECK(a[id_of(r, "relu1.dout")].overflow == Overflow::infinity);
  CHECK(a[id_of(r, "fc3.out")].format == formats::hfp8_hi);
  // Not assigned by Lee et al.: fp32.
  CHECK(a[id_of(r, "fc1.master")].keep_fp32);
  CHECK(a[id_of(r, "fc1.momentum")].keep_fp32);
  CHECK(a[id_of(r, "loss_scale")].keep_fp32);
  CHECK(a.accumulator == formats::fp32);
  const LossScalerConfig ls = policy->loss_scaling();
  CHECK(ls.mode == LossScaling::dynamic);
  CHECK(ls.initial_scale == 65536.0);
  CHECK(ls.growth_interval == 0);  // one epoch
  // The explanation names the selected group and its share.
  const std::string text = policy->explain(r, a);
  CHECK_THAT(text, Catch::Contains("selected share 0.5138"));
  CHECK_THAT(text, Catch::Contains("in [r, r+0.1]: yes"));
}

TEST_CASE("lee r = 0 is all high and r = 1 all low", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  const Assignment none = lee(0.0)->initial(r);
  const Assignment all = lee(1.0)->initial(r);
  for (const TensorInfo& t : r.tensors()) {
    INFO(t.name);
    if (t.role == TensorRole::weight || t.role == TensorRole::activation) {
      CHECK(none[t.id].format == formats::hfp8_hi);
      CHECK(all[t.id].format == formats::hfp8_lo);
    } else if (t.role == TensorRole::activation_grad) {
      CHECK(all[t.id].format == formats::hfp8_grad);
    } else if (t.role == TensorRole::weight_grad) {
      CHECK(all[t.id].format == formats::hfp8_hi);
    } else {
      CHECK(all[t.id].keep_fp32);
    }
  }
}

TEST_CASE("lee narrowed range replaces the low format's bias", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  LeeParams p;
  p.r = 1.0;
  p.low_bias = 13;
  const Assignment a = make_policy(PolicyConfig{p})->initial(r);
  const FloatFormat f = a[id_of(r, "fc1.weight")].format;
  CHECK(f.bias == 13);
  CHECK(f.max_finite() == 7.5);  // 1.875 * 2^(15 - 13)
  CHECK(a[id_of(r, "fc1.dout")].format == formats::hfp8_grad);  // dv keeps its own format
}

TEST_CASE("promotion fires at >= 1% overflow, not below; sticky; never for gradients", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  auto policy = lee(1.0);
  Assignment a = policy->initial(r);
  const TensorId w = id_of(r, "fc1.weight");   // 48000 elements
  const TensorId v = id_of(r, "conv1.out");    // 18816 elements
  const TensorId dv = id_of(r, "conv1.dout");
  const TensorId dw = id_of(r, "fc1.dweight");

  StepObservation o = empty_observation(r, 7);
  o.tensors[static_cast<std::size_t>(w)] = {48000, 479, 0, 40.0f};   // 0.998%: below
  o.tensors[static_cast<std::size_t>(v)] = {18816, 189, 0, 40.0f};   // 1.004%: at or above
  o.tensors[static_cast<std::size_t>(dv)] = {18816, 18816, 0, 1e30f}; // gradients: never
  o.tensors[static_cast<std::size_t>(dw)] = {48000, 48000, 0, 1e30f};
  std::vector<Promotion> p1 = policy->after_step(r, o, a);
  REQUIRE(p1.size() == 1);
  CHECK(p1[0].tensor == v);
  CHECK(p1[0].step == 7);
  CHECK(p1[0].overflow_fraction == Approx(189.0 / 18816.0));
  CHECK(p1[0].from == formats::hfp8_lo);
  CHECK(p1[0].to == formats::hfp8_hi);
  CHECK(a[v].format == formats::hfp8_hi);
  CHECK(a[v].overflow == Overflow::saturate);
  CHECK(a[w].format == formats::hfp8_lo);
  CHECK(a[dv].format == formats::hfp8_grad);
  CHECK(a[dw].format == formats::hfp8_hi);

  // Exactly 1%: fires. The promoted tensor stays high on a clean step and is not re-promoted.
  StepObservation o2 = empty_observation(r, 8);
  o2.tensors[static_cast<std::size_t>(w)] = {48000, 480, 0, 40.0f};
  o2.tensors[static_cast<std::size_t>(v)] = {18816, 18816, 0, 99.0f};
  std::vector<Promotion> p2 = policy->after_step(r, o2, a);
  REQUIRE(p2.size() == 1);
  CHECK(p2[0].tensor == w);
  StepObservation clean = empty_observation(r, 9);
  clean.tensors[static_cast<std::size_t>(v)] = {18816, 0, 0, 1.0f};
  CHECK(policy->after_step(r, clean, a).empty());
  CHECK(a[v].format == formats::hfp8_hi);
  CHECK(a[w].format == formats::hfp8_hi);

  // The promotions survive a checkpoint: a fresh policy, initial(), then load_state().
  auto resumed = lee(1.0);
  Assignment b = resumed->initial(r);
  CHECK(b[w].format == formats::hfp8_lo);
  resumed->load_state(policy->save_state(), r, b);
  CHECK(b == a);
}

TEST_CASE("promotion off never changes the assignment; high tensors are never 'promoted'", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  StepObservation o = empty_observation(r, 1);
  for (TensorObservation& t : o.tensors) t = {100, 100, 0, 1e9f};
  auto off = lee(1.0, std::nullopt);
  Assignment a = off->initial(r);
  const Assignment before = a;
  CHECK(off->after_step(r, o, a).empty());
  CHECK(a == before);
  auto none_low = lee(0.0);
  Assignment h = none_low->initial(r);
  CHECK(none_low->after_step(r, o, h).empty());
}
