// Lee et al.'s memory metric on a tiny registry against a sum written out by hand, and the
// GradScaler semantics of LossScaler (halve and skip on Inf, grow after the interval).
#include <catch2/catch.hpp>

#include "host/precision/assignment.hpp"
#include "host/precision/loss_scaler.hpp"

using namespace mpsim;
using namespace mpsim::host;

TEST_CASE("memory metric of a tiny registry equals the hand-computed sum", "[host][precision]") {
  TensorRegistry r;
  const LayerId in = r.add_layer("in", LayerKind::input, {});
  const LayerId fc = r.add_layer("fc", LayerKind::linear, {in});
  const TensorId x = r.add_tensor("in.out", in, TensorRole::activation, 12);
  const TensorId w = r.add_tensor("fc.weight", fc, TensorRole::weight, 30);
  const TensorId m = r.add_tensor("fc.master", fc, TensorRole::master_weight, 30);
  const TensorId mom = r.add_tensor("fc.momentum", fc, TensorRole::optimizer_state, 30);
  const TensorId y = r.add_tensor("fc.out", fc, TensorRole::activation, 5);
  const TensorId dy = r.add_tensor("fc.dout", fc, TensorRole::activation_grad, 5);
  const TensorId dw = r.add_tensor("fc.dweight", fc, TensorRole::weight_grad, 30);
  Assignment a = fp32_assignment(r);
  a[x] = rounded_to(formats::e4m3, Rounding::nearest_even, Overflow::saturate);       // 8 bits
  a[w] = rounded_to(formats::hfp8_lo, Rounding::nearest_away, Overflow::saturate);    // 8 bits
  a[y] = rounded_to(formats::fp16, Rounding::nearest_even, Overflow::infinity);       // 16 bits
  a[dy] = rounded_to(formats::hfp8_grad, Rounding::nearest_away, Overflow::infinity); // 8 bits
  a[dw] = TensorPrecision{};  // kept in fp32: 32 bits
  // Master weights and momentum are not counted at all, whatever their format.
  a[m] = rounded_to(formats::fp16, Rounding::nearest_even, Overflow::saturate);
  a[mom] = rounded_to(formats::fp16, Rounding::nearest_even, Overflow::saturate);
  const MemoryMetric mm = memory_metric(r, a);
  CHECK(mm.bits == 12 * 8 + 30 * 8 + 5 * 16 + 5 * 8 + 30 * 32);  // 1416
  CHECK(mm.elements == 12 + 30 + 5 + 5 + 30);
  CHECK(mm.bits_fp32 == 82 * 32);
  CHECK(mm.low_elements == 12 + 30 + 5);
  CHECK(mm.low_precision_ratio() == Approx(47.0 / 82.0));
  CHECK(mm.reduction_vs(mm.bits_fp32) == Approx(2624.0 / 1416.0));
  CHECK(mm.bits_saved_vs(16) == 82 * 16 - 1416);

  MemoryMetricMean mean;
  mean.add(mm);
  a[x] = TensorPrecision{};  // promoted to fp32 for the second step
  mean.add(memory_metric(r, a));
  CHECK(mean.mean_bits() == Approx((1416.0 + 1416.0 + 12 * 24) / 2));
  CHECK(mean.mean_low_precision_ratio() == Approx((47.0 / 82 + 35.0 / 82) / 2));
}

TEST_CASE("dynamic loss scaler halves and skips on Inf, grows after the interval", "[host][precision]") {
  LossScaler s({LossScaling::dynamic, 1024.0, 2.0, 0.5, 3});
  CHECK(s.scale() == 1024.0);
  CHECK(s.update(false));
  CHECK(s.update(false));
  CHECK(s.scale() == 1024.0);
  CHECK(s.update(false));  // third clean step in a row: grow
  CHECK(s.scale() == 2048.0);
  CHECK_FALSE(s.update(true));  // Inf: skip the step, halve
  CHECK(s.scale() == 1024.0);
  CHECK(s.skipped_steps() == 1);
  CHECK(s.update(false));
  CHECK(s.update(false));
  CHECK(s.scale() == 1024.0);  // the Inf reset the clean-step count
  CHECK_FALSE(s.update(true));
  CHECK_FALSE(s.update(true));
  CHECK(s.scale() == 256.0);
  CHECK(s.scale_changes() == 4);

  // A checkpoint's state resumes the same sequence.
  LossScaler copy({LossScaling::dynamic, 1024.0, 2.0, 0.5, 3});
  CHECK(s.update(false));
  copy.restore(s.state());
  for (bool inf : {false, false, true, false, false, false}) CHECK(s.update(inf) == copy.update(inf));
  CHECK(copy.state() == s.state());
}

TEST_CASE("growth interval 0 means one epoch of steps; none and static never skip", "[host][precision]") {
  LossScaler epoch({LossScaling::dynamic, 65536.0, 2.0, 0.5, 0}, 5);
  CHECK(epoch.growth_interval() == 5);
  for (int i = 0; i < 4; ++i) epoch.update(false);
  CHECK(epoch.scale() == 65536.0);
  epoch.update(false);
  CHECK(epoch.scale() == 131072.0);
  CHECK_THROWS_AS(LossScaler({LossScaling::dynamic, 65536.0, 2.0, 0.5, 0}, 0), std::invalid_argument);

  LossScaler none({LossScaling::none});
  CHECK(none.scale() == 1.0);
  CHECK(none.update(true));
  LossScaler fixed({LossScaling::fixed, 128.0});
  CHECK(fixed.update(true));
  CHECK(fixed.scale() == 128.0);
  CHECK(fixed.skipped_steps() == 0);
}
