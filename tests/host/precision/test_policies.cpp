// The fixed and scaling policies on the LeNet-5-like registry: π_op's first/last exceptions,
// mixed16 and continuous16 formats per role, uniform, amax delayed scaling, custom rules.
#include <catch2/catch.hpp>

#include "host/config/policy_config.hpp"
#include "host/precision/policy.hpp"
#include "host/precision/policy_factories.hpp"
#include "tests/host/precision/lenet_registry.hpp"

using namespace mpsim;
using namespace mpsim::host;
using namespace mpsim::host::testing;

TEST_CASE("hfp8 (π_op): GEMM operands low, first layer and last group high", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  auto policy = make_policy(PolicyConfig{Hfp8Params{}});
  const Assignment a = policy->initial(r);
  auto fmt_of = [&](const char* name) { return a[id_of(r, name)].format; };
  // conv1 is the first layer: its weight, its input and its output gradient stay high.
  CHECK(fmt_of("conv1.weight") == formats::hfp8_hi);
  CHECK(fmt_of("input.out") == formats::hfp8_hi);
  CHECK(fmt_of("conv1.dout") == formats::hfp8_hi);
  // conv2, fc1, fc2: weight and input activation 1-4-3, output gradient 1-5-2, dθ 1-6-9.
  for (const auto& [w, x, dy, dw] : {std::tuple{"conv2.weight", "pool1.out", "conv2.dout", "conv2.dweight"},
                                     std::tuple{"fc1.weight", "pool2.out", "fc1.dout", "fc1.dweight"},
                                     std::tuple{"fc2.weight", "relu3.out", "fc2.dout", "fc2.dweight"}}) {
    INFO(w);
    CHECK(fmt_of(w) == formats::hfp8_lo);
    CHECK(fmt_of(x) == formats::hfp8_lo);
    CHECK(fmt_of(dy) == formats::hfp8_grad);
    CHECK(a[id_of(r, dy)].overflow == Overflow::infinity);
    CHECK(fmt_of(dw) == formats::hfp8_hi);
    CHECK(a[id_of(r, w)].rounding == Rounding::nearest_away);
  }
  // fc3 forms the last group: its weight, input (relu4.out) and output gradient stay high.
  CHECK(fmt_of("fc3.weight") == formats::hfp8_hi);
  CHECK(fmt_of("relu4.out") == formats::hfp8_hi);
  CHECK(fmt_of("fc3.dout") == formats::hfp8_hi);
  // Everything else high: outputs of conv/relu that feed no GEMM directly.
  CHECK(fmt_of("conv1.out") == formats::hfp8_hi);
  CHECK(fmt_of("relu2.dout") == formats::hfp8_hi);
  CHECK(a[id_of(r, "fc2.master")].keep_fp32);
  CHECK_THAT(policy->explain(r, a), Catch::Contains("conv2, fc1, fc2"));
}

TEST_CASE("mixed16: 16-bit θ, v, dv, dθ; fp32 master weights and optimizer state", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  for (const FloatFormat half : {formats::fp16, formats::bf16}) {
    Mixed16Params p;
    p.half = half;
    auto policy = make_policy(PolicyConfig{p});
    const Assignment a = policy->initial(r);
    for (const TensorInfo& t : r.tensors()) {
      INFO(t.name);
      const bool assigned = t.role == TensorRole::weight || t.role == TensorRole::activation ||
                            t.role == TensorRole::activation_grad || t.role == TensorRole::weight_grad;
      CHECK(a[t.id].keep_fp32 == !assigned);
      if (assigned) {
        CHECK(a[t.id].format == half);
        CHECK(a[t.id].overflow == Overflow::infinity);
      }
    }
    CHECK(policy->loss_scaling().mode == LossScaling::dynamic);
    CHECK(policy->loss_scaling().growth_interval == 2000);
    CHECK(policy->pretrain_epochs() == 0);
  }
}

TEST_CASE("continuous16: everything 16-bit incl. master weights and optimizer state", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  Continuous16Params p;
  p.half = formats::bf16;
  p.pretrain_epochs = 3;
  p.adam_epsilon = 1e-4;
  auto policy = make_policy(PolicyConfig{p});
  const Assignment a = policy->initial(r);
  for (const TensorInfo& t : r.tensors()) {
    INFO(t.name);
    if (t.role == TensorRole::loss_scale) {
      CHECK(a[t.id].keep_fp32);
    } else {
      CHECK_FALSE(a[t.id].keep_fp32);
      CHECK(a[t.id].format == formats::bf16);
      CHECK(a[t.id].rounding == Rounding::nearest_even);
    }
  }
  CHECK(policy->pretrain_epochs() == 3);
  CHECK(policy->adam_epsilon() == 1e-4);
  CHECK(policy->loss_scaling().mode == LossScaling::none);
  // Pre-training runs on the fp32 baseline.
  const Assignment pre = fp32_assignment(r);
  for (const TensorPrecision& t : pre.tensors) CHECK(t.keep_fp32);
}

TEST_CASE("uniform: one format for θ, v, dv, dθ; master too on request", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  UniformParams p;
  p.format = formats::e5m2;
  p.rounding = Rounding::stochastic;
  p.accumulator = formats::fp16;
  const Assignment a = make_policy(PolicyConfig{p})->initial(r);
  CHECK(a[id_of(r, "conv1.out")].format == formats::e5m2);
  CHECK(a[id_of(r, "conv1.out")].rounding == Rounding::stochastic);
  CHECK(a[id_of(r, "conv1.master")].keep_fp32);
  CHECK(a.accumulator == formats::fp16);
  p.include_master = true;
  const Assignment b = make_policy(PolicyConfig{p})->initial(r);
  CHECK(b[id_of(r, "conv1.master")].format == formats::e5m2);
  CHECK(b[id_of(r, "conv1.momentum")].format == formats::e5m2);
  CHECK(b[id_of(r, "loss_scale")].keep_fp32);
  const Assignment fp32 = make_policy(PolicyConfig{UniformParams{}})->initial(r);
  CHECK(fp32 == fp32_assignment(r));
}

TEST_CASE("amax: scale = 2^(floor(log2(max / amax)) - margin) from the history", "[host][precision]") {
  const TensorRegistry r = lenet_registry();
  const TensorId w = id_of(r, "fc1.weight"), dv = id_of(r, "fc1.dout");
  AmaxParams p;
  p.history_length = 2;
  auto policy = make_policy(PolicyConfig{p});
  Assignment a = policy->initial(r);
  CHECK(a[w].format == formats::e4m3);
  CHECK(a[dv].format == formats::e5m2);
  CHECK(a[w].scale == 1.0f);  // no history yet
  StepObservation o;
  o.tensors.resize(r.tensors().size());
  o.tensors[static_cast<std::size_t>(w)] = {10, 0, 0, 3.0f};      // 448 / 3 = 149.3: 2^7
  o.tensors[static_cast<std::size_t>(dv)] = {10, 0, 0, 1000.0f};  // 57344 / 1000 = 57.3: 2^5
  policy->after_step(r, o, a);
  CHECK(a[w].scale == 128.0f);
  CHECK(a[dv].scale == 32.0f);
  // A smaller amax: the history's max (3) still rules ...
  o.tensors[static_cast<std::size_t>(w)].amax = 0.5f;
  o.tensors[static_cast<std::size_t>(dv)].amax = 0.0f;  // amax 0 alone would keep the scale
  policy->after_step(r, o, a);
  CHECK(a[w].scale == 128.0f);
  // ... until it leaves the 2-entry history: 448 / 0.5 = 896: 2^9.
  policy->after_step(r, o, a);
  CHECK(a[w].scale == 512.0f);
  CHECK(a[dv].scale == 32.0f);  // history {0, 0}: amax 0 keeps the last scale

  // State round trip, and margin / most_recent variants.
  auto resumed = make_policy(PolicyConfig{p});
  Assignment b = resumed->initial(r);
  resumed->load_state(policy->save_state(), r, b);
  CHECK(b[w].scale == 512.0f);
  AmaxParams q;
  q.margin = 1;
  q.algorithm = AmaxAlgorithm::most_recent;
  auto recent = make_policy(PolicyConfig{q});
  Assignment c = recent->initial(r);
  o.tensors[static_cast<std::size_t>(w)].amax = 3.0f;
  recent->after_step(r, o, c);
  CHECK(c[w].scale == 64.0f);  // 2^(7 - 1)
  o.tensors[static_cast<std::size_t>(w)].amax = 0.5f;
  recent->after_step(r, o, c);
  CHECK(c[w].scale == 256.0f);  // 2^(9 - 1): the latest amax, not the max
}

TEST_CASE("custom rules match by layer glob, role and size rank; first match wins", "[host][precision]") {
  CHECK(glob_match("conv*", "conv1"));
  CHECK(glob_match("*.bn?", "layer1.bn2"));
  CHECK(glob_match("*", ""));
  CHECK_FALSE(glob_match("conv?", "conv12"));
  CHECK_FALSE(glob_match("fc*", "conv1"));
  CHECK(glob_match("l*r*.*", "layer2.0"));

  const TensorRegistry r = lenet_registry();
  CustomParams p;
  CustomRule convw;
  convw.layer_glob = "conv*";
  convw.role = TensorRole::weight;
  convw.precision = rounded_to(formats::e4m3, Rounding::nearest_even, Overflow::saturate);
  CustomRule big;
  big.role = TensorRole::activation;
  big.largest = 2;
  big.precision = rounded_to(formats::e5m2, Rounding::nearest_even, Overflow::saturate);
  CustomRule fc;  // every tensor of fc layers, except what an earlier rule took
  fc.layer_glob = "fc?";
  fc.precision = rounded_to(formats::fp16, Rounding::nearest_even, Overflow::infinity);
  p.rules = {convw, big, fc};
  const Assignment a = make_policy(PolicyConfig{p})->initial(r);
  auto fmt_of = [&](const char* name) { return a[id_of(r, name)].format; };
  CHECK(fmt_of("conv1.weight") == formats::e4m3);
  CHECK(fmt_of("conv2.weight") == formats::e4m3);
  CHECK(a[id_of(r, "conv1.dweight")].keep_fp32);  // role weight_grad: no rule
  // The two largest activations: conv1.out and relu1.out (4704 x 4, tie: registration order).
  CHECK(fmt_of("conv1.out") == formats::e5m2);
  CHECK(fmt_of("relu1.out") == formats::e5m2);
  CHECK(a[id_of(r, "pool1.out")].keep_fp32);
  CHECK(fmt_of("fc1.weight") == formats::fp16);
  CHECK(fmt_of("fc2.master") == formats::fp16);
  CHECK(a[id_of(r, "loss_scale")].keep_fp32);
}
