// The two engines behind one interface (issue 5): the rtl engine (rtl/'s array, Verilated for
// SystemC) and the model engine report the same cycles for the same folds, both equal to
// docs/RTL.md's formula, and every result element of the rtl engine equals model/'s dot() bit
// for bit. Where the rtl engine is not built, asking for it must fail with one clear line.
#include <catch2/catch.hpp>

#include <vector>

#include "sim/simulator.hpp"
#include "sim_test_support.hpp"

using namespace mpsim;
using namespace mpsim::sim;
using namespace mpsim::sim::test;

namespace {

std::int64_t cdiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// The rtl engine's build: 4x4, one product register, fp32 accumulation, one lane.
HwConfig engine_hw(double gbps) {
  HwConfig hw = make_hw(4, 4, Dataflow::os, TimingMode::mpsim, 256, gbps, 1);
  hw.dram.latency_ns = gbps == 0.0 ? 0.0 : 50.0;
  return hw;
}

Workload engine_workload() {
  Workload w;
  w.ops = {
      make_op("e4m3_x_e5m2", 4, 4, 64, formats::e4m3, formats::e5m2),   // one full tile
      make_op("fp32_x_bf16", 4, 4, 5, formats::fp32, formats::bf16),    // K < R + C
      make_op("fp16_partial", 7, 10, 13, formats::fp16, formats::fp16),  // partial folds
      make_op("e5m2_x_fp32", 16, 12, 3, formats::e5m2, formats::fp32),  // K < max(R, C): drain-spaced
      make_op("bf16_x_e4m3", 9, 4, 100, formats::bf16, formats::e4m3),
  };
  return w;
}

}  // namespace

TEST_CASE("sim rtl engine: same cycles as the model engine and the formula, results bit-exact", "[sim][rtl]") {
  if (!rtl_engine_available()) {
    SimOptions o;
    o.engine = Engine::rtl;
    CHECK_THROWS_WITH(simulate(engine_workload(), engine_hw(0.0), horowitz(), o),
                      Catch::Contains("the rtl engine is not in this build"));
    return;
  }
  const Workload w = engine_workload();
  const HwConfig hw = engine_hw(0.0);
  SimOptions rtl;
  rtl.engine = Engine::rtl;
  const SimResult by_rtl = simulate(w, hw, horowitz(), rtl);
  const SimResult by_model = simulate(w, hw, horowitz(), {});
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const GemmOp& op = w.ops[i];
    const std::int64_t folds = cdiv(op.m, 4) * cdiv(op.n, 4);
    INFO(op.name << ": rtl " << by_rtl.ops[i].total_cycles << ", model " << by_model.ops[i].total_cycles);
    CHECK(by_rtl.ops[i].total_cycles == by_model.ops[i].total_cycles);
    // +1: the configuration transfer before the first beat.
    CHECK(by_model.ops[i].total_cycles == 1 + rtl_stream_cycles(folds, 4, 4, op.k, 1));
    CHECK(by_rtl.ops[i].rtl_checked == op.m * op.n);
    CHECK(by_rtl.ops[i].rtl_mismatches == 0);
  }
  std::int64_t outputs = 0;
  for (const GemmOp& op : w.ops) outputs += op.m * op.n;
  CHECK(by_rtl.step.rtl_checked == outputs);
  CHECK(by_rtl.step.rtl_mismatches == 0);
}

TEST_CASE("sim rtl engine: same cycles as the model engine when DRAM stalls the array", "[sim][rtl]") {
  if (!rtl_engine_available()) return;  // the test above checks the refusal
  const Workload w = engine_workload();
  const double gbps = GENERATE(0.5, 2.0, 8.0);  // 0.5 to 8 bytes per cycle: loads late by much or a little
  const HwConfig hw = engine_hw(gbps);
  SimOptions rtl;
  rtl.engine = Engine::rtl;
  const SimResult by_rtl = simulate(w, hw, horowitz(), rtl);
  const SimResult by_model = simulate(w, hw, horowitz(), {});
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    INFO(w.ops[i].name << " at " << gbps << " GB/s: rtl " << by_rtl.ops[i].total_cycles << ", model "
                       << by_model.ops[i].total_cycles);
    CHECK(by_rtl.ops[i].total_cycles == by_model.ops[i].total_cycles);
    CHECK(by_rtl.ops[i].rtl_mismatches == 0);
    if (gbps == 0.5) CHECK(by_model.ops[i].stall_memory_cycles > 0);
  }
}

TEST_CASE("sim rtl engine: refused on configurations the Verilated array was not built for", "[sim][rtl]") {
  if (!rtl_engine_available()) return;  // the previous test checks the refusal of a missing engine
  SimOptions o;
  o.engine = Engine::rtl;
  struct Case {
    const char* what;
    HwConfig hw;
    GemmOp op;
    const char* expected;
  };
  HwConfig ws = engine_hw(0.0);
  ws.array.dataflow = Dataflow::ws;
  HwConfig lanes = engine_hw(0.0);
  lanes.array.lanes[WidthClass::bits8] = 4;
  GemmOp fp16_acc = make_op("x", 4, 4, 4);
  fp16_acc.accumulator = formats::fp16;
  const Case cases[] = {
      {"8x8 array", make_hw(8, 8, Dataflow::os, TimingMode::mpsim, 256), make_op("x", 8, 8, 8), "the Verilated array is 4x4"},
      {"ws", ws, make_op("x", 4, 4, 4), "the Verilated array is 4x4"},
      {"fp8 lanes", lanes, make_op("x", 4, 4, 4, formats::e4m3, formats::e4m3), "one MAC per PE"},
      {"fp16 accumulation", engine_hw(0.0), fp16_acc, "acc fp32"},
      {"format not built", engine_hw(0.0), make_op("x", 4, 4, 4, formats::e4m3fnuz, formats::fp32), "operand formats allowed"},
      {"K too deep", engine_hw(0.0), make_op("x", 4, 4, 70000), "K up to 65536"},
  };
  for (const Case& c : cases) {
    Workload w;
    w.ops = {c.op};
    INFO(c.what);
    CHECK_THROWS_WITH(simulate(w, c.hw, horowitz(), o), Catch::Contains(c.expected));
  }
}
