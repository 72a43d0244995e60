// Timing of the model engine against the closed forms (issue 5, "Validation"): the RTL's tile
// formula for single tiles and streams of folds, SCALE-Sim's compute cycles in scalesim mode,
// compute-bound within 2% of the ideal, memory-bound within 2% of bytes / bandwidth.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "sim/scalesim_topology.hpp"
#include "sim/simulator.hpp"
#include "sim_test_support.hpp"

using namespace mpsim;
using namespace mpsim::sim;
using namespace mpsim::sim::test;

namespace {

std::int64_t cdiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

SimResult run(const std::vector<GemmOp>& ops, const HwConfig& hw, SimOptions options = {}) {
  Workload w;
  w.ops = ops;
  return simulate(w, hw, horowitz(), options);
}

}  // namespace

TEST_CASE("sim timing: one tile takes the RTL's K + R + C + P, plus the configuration cycle", "[sim][timing]") {
  struct Case {
    int rows, cols, pipe;
    std::int64_t m, n, k;
    FloatFormat fa, fb;
  };
  const Case cases[] = {
      {4, 4, 1, 4, 4, 64, formats::fp32, formats::fp32},   // the SystemC RTL build: 73 + 1
      {4, 4, 2, 4, 4, 64, formats::e4m3, formats::e5m2},   // the 4x4 test model: 74 + 1
      {3, 5, 0, 3, 5, 7, formats::fp16, formats::fp16},    // K < max(R, C)
      {5, 2, 1, 2, 1, 300, formats::bf16, formats::fp32},  // partial fold: pays the full R + C
      {16, 16, 1, 9, 16, 1, formats::e4m3, formats::e4m3},  // K = 1
  };
  for (const Case& c : cases) {
    const HwConfig hw = make_hw(c.rows, c.cols, Dataflow::os, TimingMode::mpsim, 1024, 0.0, c.pipe);
    const SimResult r = run({make_op("t", c.m, c.n, c.k, c.fa, c.fb)}, hw);
    INFO("R " << c.rows << " C " << c.cols << " P " << c.pipe << " K " << c.k);
    CHECK(r.ops[0].total_cycles == 1 + c.k + c.rows + c.cols + c.pipe);
    CHECK(r.ops[0].total_cycles == 1 + rtl_tile_cycles(c.rows, c.cols, c.k, c.pipe));
    CHECK(r.ops[0].stall_memory_cycles == 0);
  }
}

TEST_CASE("sim timing: folds stream back to back every max(K, R, C)", "[sim][timing]") {
  const auto [rows, cols, m, n, k] = GENERATE(table<int, int, std::int64_t, std::int64_t, std::int64_t>({
      {4, 4, 16, 16, 64},    // 16 full folds, K > R, C
      {4, 4, 15, 13, 3},     // partial folds, K < R, C: the drain spaces them
      {8, 4, 33, 9, 8},      // K = R
      {16, 16, 100, 40, 500},
  }));
  const HwConfig hw = make_hw(rows, cols, Dataflow::os, TimingMode::mpsim, 1024, 0.0, 1);
  const SimResult r = run({make_op("s", m, n, k)}, hw);
  const std::int64_t folds = cdiv(m, rows) * cdiv(n, cols);
  const std::int64_t spacing = std::max<std::int64_t>({k, rows, cols});
  INFO("R " << rows << " C " << cols << " M " << m << " N " << n << " K " << k);
  CHECK(r.ops[0].total_cycles == 1 + (folds - 1) * spacing + k + rows + cols + 1);
  CHECK(r.ops[0].compute_cycles == folds * k);
  CHECK(r.ops[0].compute_cycles + r.ops[0].stall_fill_drain_cycles + r.ops[0].stall_memory_cycles ==
        r.ops[0].total_cycles);
}

TEST_CASE("sim timing: ws and is stream like os plus the first stationary preload", "[sim][timing]") {
  const Dataflow df = GENERATE(Dataflow::ws, Dataflow::is);
  const auto [rows, cols, m, n, k] = GENERATE(table<int, int, std::int64_t, std::int64_t, std::int64_t>({
      {4, 4, 10, 4, 4},      // one fold
      {4, 8, 30, 20, 9},     // partial folds both ways
      {16, 16, 5, 100, 40},  // T smaller than R and C: the drain spaces the folds
  }));
  const HwConfig hw = make_hw(rows, cols, df, TimingMode::mpsim, 1024, 0.0, 2);
  const SimResult r = run({make_op("w", m, n, k)}, hw);
  // ws: rows <- K, cols <- N, streams M; is: rows <- K, cols <- M, streams N.
  const std::int64_t sc = df == Dataflow::ws ? n : m, t = df == Dataflow::ws ? m : n;
  const std::int64_t folds = cdiv(k, rows) * cdiv(sc, cols);
  const std::int64_t spacing = std::max<std::int64_t>({t, rows, cols});
  INFO(dataflow_name(df) << " R " << rows << " C " << cols << " M " << m << " N " << n << " K " << k);
  CHECK(r.ops[0].total_cycles == 1 + rows + (folds - 1) * spacing + t + rows + cols + 2);
}

TEST_CASE("sim timing: double buffering overlaps the next loads with compute", "[sim][timing]") {
  // os 8x8, 512 x 8 x 256 fp32: 64 row folds, each loading an 8 KiB A panel (256 cycles at
  // 32 B/cycle) and computing 256 cycles. Both configs give a tile 8 KiB of buffer A, so the
  // plans are the same; only the overlap differs.
  HwConfig db = make_hw(8, 8, Dataflow::os, TimingMode::mpsim, 16, 32.0);
  HwConfig single = make_hw(8, 8, Dataflow::os, TimingMode::mpsim, 8, 32.0);
  single.sram_a.double_buffered = single.sram_b.double_buffered = false;
  single.sram_b.capacity_bytes = db.sram_b.capacity_bytes / 2;
  single.sram_c.capacity_bytes = db.sram_c.capacity_bytes;
  const GemmOp op = make_op("g", 512, 8, 256);
  const SimResult overlapped = run({op}, db);
  const SimResult serial = run({op}, single);
  const OpStats &o = overlapped.ops[0], &s = serial.ops[0];
  REQUIRE(o.dram_read_bytes == s.dram_read_bytes);
  // Overlapped: the channel is the bottleneck (loads and stores share it), so bytes / bandwidth.
  const double bytes = static_cast<double>(o.dram_read_bytes + o.dram_write_bytes);
  CHECK(static_cast<double>(o.total_cycles) == Approx(bytes / 32.0).epsilon(0.03));
  // Serial: every fold waits for its panel, then computes: about load + compute per fold.
  CHECK(static_cast<double>(s.total_cycles) > 1.8 * static_cast<double>(o.total_cycles));
  CHECK(static_cast<double>(s.total_cycles) == Approx(64.0 * (256 + 256)).epsilon(0.05));
}

TEST_CASE("sim timing: scalesim mode equals SCALE-Sim's closed form", "[sim][timing][scalesim]") {
  // Layers of ResNet-18 and a few GEMMs (M x N x K), forward as SCALE-Sim maps them.
  const std::vector<GemmOp> ops = {
      make_op("conv1", 12544, 64, 147),  make_op("layer1", 3136, 64, 576), make_op("layer2", 784, 128, 1152),
      make_op("layer4", 49, 512, 4608),  make_op("fc", 1, 1000, 512),      make_op("odd", 37, 91, 13),
  };
  const int size = GENERATE(8, 16, 32, 128);
  const Dataflow df = GENERATE(Dataflow::os, Dataflow::ws, Dataflow::is);
  // 64 kB buffers as scale.cfg: the closed form holds whatever fits (CALC: no interface limit).
  const HwConfig hw = make_hw(size, size, df, TimingMode::scalesim, 64);
  const SimResult r = run(ops, hw);
  REQUIRE(r.ops.size() == ops.size());
  std::int64_t total = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const GemmOp& op = ops[i];
    // Sr x Sc folds, streaming T (SCALE-Sim: os Sr = ofmap pixels, Sc = filters, T = window).
    std::int64_t sr = op.m, sc = op.n, t = op.k;
    if (df == Dataflow::ws) sr = op.k, sc = op.n, t = op.m;
    if (df == Dataflow::is) sr = op.k, sc = op.m, t = op.n;
    const std::int64_t folds = cdiv(sr, size) * cdiv(sc, size);
    const std::int64_t fold = df == Dataflow::os ? t + size + size - 2 : 2 * size + size + t - 2;
    INFO(op.name << " on " << size << "x" << size << " " << dataflow_name(df));
    CHECK(r.ops[i].total_cycles == folds * fold - 1);
    CHECK(r.ops[i].modes.scalesim_cycles == folds * fold - 1);
    CHECK(r.ops[i].modes.skew_per_fold == fold - t);
    total += folds * fold - 1;
  }
  CHECK(r.step.total_cycles == total);
}

TEST_CASE("sim timing: scalesim mode on the shipped topologies, forward and training", "[sim][timing][scalesim]") {
  const char* topology = GENERATE("resnet18.csv", "resnet50.csv", "tiny_conv.csv", "tiny_gemm.csv");
  const bool training = GENERATE(false, true);
  TopologyOptions o;
  o.training = training;
  const Workload w = read_scalesim_topology_file(source_path(std::string("configs/topologies/") + topology), o);
  const HwConfig cfg = load_hw_config(source_path("configs/hw/scalesim_32x32.cfg"));
  const SimResult r = simulate(w, cfg, horowitz(), {});
  REQUIRE(r.ops.size() == w.ops.size());
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const GemmOp& op = w.ops[i];
    // os on 32x32: M x N folds of 32 x 32, each T + 2*32 - 2 with T = K.
    const std::int64_t expected = cdiv(op.m, 32) * cdiv(op.n, 32) * (op.k + 32 + 32 - 2) - 1;
    INFO(topology << " " << op.name);
    CHECK(r.ops[i].total_cycles == expected);
  }
}

TEST_CASE("sim timing: a compute-bound GEMM is within 2% of folds x fold interval", "[sim][timing]") {
  const Dataflow df = GENERATE(Dataflow::os, Dataflow::ws, Dataflow::is);
  HwConfig hw = make_hw(16, 16, df, TimingMode::mpsim, 1 << 20, 1e6);  // 1 GiB buffers, 1 PB/s
  hw.dram.latency_ns = 100;
  const GemmOp op = make_op("big", 2048, 512, 1024);
  const SimResult r = run({op}, hw);
  std::int64_t sr = op.m, sc = op.n, t = op.k;
  if (df == Dataflow::ws) sr = op.k, sc = op.n, t = op.m;
  if (df == Dataflow::is) sr = op.k, sc = op.m, t = op.n;
  const double ideal = static_cast<double>(cdiv(sr, 16) * cdiv(sc, 16) * std::max<std::int64_t>(t, 16));
  INFO(dataflow_name(df) << ": " << r.ops[0].total_cycles << " cycles, ideal " << ideal);
  CHECK(static_cast<double>(r.ops[0].total_cycles) == Approx(ideal).epsilon(0.02));
  CHECK(static_cast<double>(r.ops[0].total_cycles) >= ideal);
  CHECK(r.ops[0].pe_utilization > 0.97);
}

TEST_CASE("sim timing: a memory-bound GEMM takes DRAM bytes / bandwidth within 2%", "[sim][timing]") {
  const Dataflow df = GENERATE(Dataflow::os, Dataflow::ws, Dataflow::is);
  const double gbps = 0.05;  // 50 MB/s: 0.05 bytes per cycle at 1 GHz
  HwConfig hw = make_hw(16, 16, df, TimingMode::mpsim, 64, gbps);
  hw.dram.latency_ns = 200;
  hw.dram.burst_bytes = 64;
  const SimResult r = run({make_op("mem", 300, 200, 100, formats::fp16, formats::fp16, formats::fp16)}, hw);
  const OpStats& s = r.ops[0];
  const double bytes = static_cast<double>(s.dram_read_bytes + s.dram_write_bytes);
  INFO(dataflow_name(df) << ": " << s.time_s << " s for " << bytes << " bytes");
  CHECK(s.time_s == Approx(bytes / (gbps * 1e9)).epsilon(0.02));
  CHECK(s.stall_memory_cycles > 10 * s.compute_cycles);
  CHECK(s.dram_gbps == Approx(gbps).epsilon(0.02));
}

TEST_CASE("sim timing: simulate() runs again and again in one process", "[sim][timing]") {
  const HwConfig hw = make_hw(8, 8, Dataflow::os, TimingMode::mpsim, 1024);
  const SimResult a = run({make_op("x", 64, 64, 64)}, hw);
  const SimResult b = run({make_op("x", 64, 64, 64)}, make_hw(8, 8, Dataflow::ws, TimingMode::scalesim, 1024));
  const SimResult c = run({make_op("x", 64, 64, 64)}, hw);
  CHECK(a.ops[0].total_cycles == c.ops[0].total_cycles);
  CHECK(b.ops[0].total_cycles != a.ops[0].total_cycles);
}

TEST_CASE("sim timing: the rtl engine is refused clearly where it cannot run", "[sim][rtl]") {
  const HwConfig hw = make_hw(16, 16, Dataflow::os, TimingMode::mpsim, 1024);
  SimOptions o;
  o.engine = Engine::rtl;
  try {
    run({make_op("x", 16, 16, 16)}, hw, o);
    FAIL("the rtl engine ran on a 16x16 array");
  } catch (const SimError& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(m.find("rtl engine") != std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
    if (!rtl_engine_available()) CHECK(m.find("not in this build") != std::string::npos);
  }
}
