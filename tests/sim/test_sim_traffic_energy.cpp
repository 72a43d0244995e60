// Bytes and energy (issue 5, "Validation"): compulsory DRAM bytes when everything fits and the
// documented growth when it does not (sim/tiler.hpp), a format change moving exactly that
// tensor's bytes, and the energy of an all-fp32 workload against the hand sum.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

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

const DramTraffic& tensor(const OpStats& s, const std::string& name) {
  for (const DramTraffic& d : s.dram) {
    if (d.tensor == name) return d;
  }
  FAIL("no DRAM traffic for " << name);
  return s.dram.front();
}

}  // namespace

TEST_CASE("sim traffic: DRAM bytes are the compulsory ones when every operand fits", "[sim][traffic]") {
  const Dataflow df = GENERATE(Dataflow::os, Dataflow::ws, Dataflow::is);
  const HwConfig hw = make_hw(8, 8, df, TimingMode::mpsim, 4096, 10.0);
  const GemmOp op = make_op("g", 100, 60, 70, formats::fp16, formats::e4m3, formats::fp32);
  const SimResult r = run({op}, hw);
  const OpStats& s = r.ops[0];
  INFO(dataflow_name(df));
  CHECK(tensor(s, "g.A").read_bytes == 100 * 70 * 2);
  CHECK(tensor(s, "g.B").read_bytes == 70 * 60 * 1);
  CHECK(tensor(s, "g.C").write_bytes == 100 * 60 * 4);
  CHECK(s.dram_read_bytes == 100 * 70 * 2 + 70 * 60);
  CHECK(s.dram_write_bytes == 100 * 60 * 4);
  CHECK(s.dram.size() == 3);  // no spilled partial sums
}

TEST_CASE("sim traffic: DRAM bytes grow as documented when operands do not fit", "[sim][traffic]") {
  // os, 8x8, buffers of 2 KiB (1 KiB per tile, double buffered), fp32: an A panel 8 x K = 32 K
  // bytes fits for K <= 32, all of B (K x N x 4) only when small.
  const HwConfig hw = make_hw(8, 8, Dataflow::os, TimingMode::mpsim, 2, 10.0);
  SECTION("os: B does not fit, A panels do: B is read once per block of row folds") {
    const SimResult r = run({make_op("g", 40, 24, 16)}, hw);  // A panel 512 B, B 1536 B
    CHECK(tensor(r.ops[0], "g.A").read_bytes == 40 * 16 * 4);
    // A block holds 1024 / 512 = 2 panels: 5 row folds make 3 blocks, each reading all of B.
    CHECK(tensor(r.ops[0], "g.B").read_bytes == 16 * 24 * 4 * cdiv(cdiv(40, 8), 1024 / 512));
  }
  SECTION("os: neither fits: A is read again for every column fold, B for every row fold") {
    const SimResult r = run({make_op("g", 40, 24, 64)}, hw);  // A panel 2 KiB > 1 KiB
    CHECK(tensor(r.ops[0], "g.A").read_bytes == 40 * 64 * 4 * cdiv(24, 8));
    CHECK(tensor(r.ops[0], "g.B").read_bytes == 64 * 24 * 4 * cdiv(40, 8));
    CHECK(tensor(r.ops[0], "g.C").write_bytes == 40 * 24 * 4);
  }
  SECTION("ws: C's partial sums spill: written and read back once per extra row fold") {
    HwConfig ws = hw;
    ws.array.dataflow = Dataflow::ws;
    // C block j: M x 8 accumulators = 40 x 8 x 4 = 1280 B > 1 KiB; K = 24: 3 row folds.
    const SimResult r = run({make_op("g", 40, 16, 24)}, ws);
    const OpStats& s = r.ops[0];
    const std::int64_t spills = cdiv(24, 8) - 1;
    CHECK(tensor(s, "g.C").write_bytes == 40 * 16 * 4);
    CHECK(tensor(s, "g.C.partial").write_bytes == 40 * 16 * 4 * spills);
    CHECK(tensor(s, "g.C.partial").read_bytes == 40 * 16 * 4 * spills);
    // A (40 x 24 x 4 = 3840 B) does not fit: its k-slices are streamed again for every column fold.
    CHECK(tensor(s, "g.A").read_bytes == 40 * 24 * 4 * cdiv(16, 8));
    CHECK(tensor(s, "g.B").read_bytes == 24 * 16 * 4);
  }
  SECTION("ws: A's k-slices are shared by a block of col folds whose C blocks fit together") {
    HwConfig ws = hw;
    ws.array.dataflow = Dataflow::ws;
    // C block: M x 8 x 4 = 256 B, so 1024 / 256 = 4 col folds per block; N = 48: 6 col folds,
    // 2 blocks. A (8 x 48 x 4 = 1536 B) does not fit whole; a k-slice (8 x 8 x 4) does.
    const SimResult r = run({make_op("g", 8, 48, 48)}, ws);
    const OpStats& s = r.ops[0];
    CHECK(tensor(s, "g.A").read_bytes == 8 * 48 * 4 * cdiv(cdiv(48, 8), 4));
    CHECK(tensor(s, "g.C").write_bytes == 8 * 48 * 4);
    CHECK(s.dram.size() == 3);  // no spill
  }
}

TEST_CASE("sim traffic: fp16 -> e4m3 halves exactly that tensor's bytes and DRAM energy", "[sim][traffic][e4m3]") {
  const Dataflow df = GENERATE(Dataflow::os, Dataflow::ws, Dataflow::is);
  const bool bandwidth_binds = GENERATE(false, true);
  const HwConfig hw = make_hw(16, 16, df, TimingMode::mpsim, 4096, bandwidth_binds ? 0.5 : 0.0);
  const GemmOp fp16 = make_op("g", 256, 128, 192, formats::fp16, formats::fp16, formats::fp16);
  GemmOp e4m3 = fp16;
  e4m3.a.format = formats::e4m3;  // the activation only; B stays fp16, so the lanes do not change
  const SimResult r16 = run({fp16}, hw);
  const SimResult r8 = run({e4m3}, hw);
  const OpStats &s16 = r16.ops[0], &s8 = r8.ops[0];
  INFO(dataflow_name(df) << (bandwidth_binds ? ", bandwidth binds" : ", compute bound"));
  CHECK(2 * tensor(s8, "g.A").read_bytes == tensor(s16, "g.A").read_bytes);
  CHECK(tensor(s8, "g.B").read_bytes == tensor(s16, "g.B").read_bytes);
  CHECK(tensor(s8, "g.C").write_bytes == tensor(s16, "g.C").write_bytes);
  CHECK(2 * s8.sram_a.read_bytes == s16.sram_a.read_bytes);
  CHECK(2 * s8.sram_a.write_bytes == s16.sram_a.write_bytes);
  CHECK(s8.sram_a.read_elements == s16.sram_a.read_elements);
  CHECK(s8.sram_b.read_bytes == s16.sram_b.read_bytes);
  CHECK(s8.sram_c.write_bytes == s16.sram_c.write_bytes);
  // DRAM energy falls by exactly A's half.
  const double a_half_pj = static_cast<double>(tensor(s8, "g.A").read_bytes) * horowitz().dram_pj_per_byte();
  CHECK(s16.energy.dram_pj - s8.energy.dram_pj == Approx(a_half_pj).epsilon(1e-12));
  if (bandwidth_binds) {
    CHECK(s8.total_cycles < s16.total_cycles);
  } else {
    CHECK(s8.total_cycles == s16.total_cycles);
  }
}

TEST_CASE("sim energy: an all-fp32 workload equals the hand sum to 0.1%", "[sim][energy]") {
  // os, 8x8, 32 KiB buffers (Horowitz's 32 kB point: 20 pJ per 64-bit access), everything fits.
  const HwConfig hw = make_hw(8, 8, Dataflow::os, TimingMode::mpsim, 32, 8.0);
  struct Shape {
    std::int64_t m, n, k;
  };
  const Shape shapes[] = {{20, 12, 30}, {9, 17, 5}};
  const SimResult r = run({make_op("g1", 20, 12, 30), make_op("g2", 9, 17, 5)}, hw);
  double hand = 0.0, seconds = 0.0;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto [m, n, k] = shapes[i];
    const double macs = static_cast<double>(m * n * k);
    hand += macs * (3.7 + 0.9);  // fp32 multiply + fp32 add
    // SRAM accesses (4-byte elements): the array reads A's panel for each column fold and B's for
    // each row fold, C's results once; the DMA writes A, B once and reads C once.
    const double sram_bytes = 4.0 * static_cast<double>(m * k * cdiv(n, 8) + m * k + k * n * cdiv(m, 8) + k * n +
                                                         m * n + m * n);
    hand += sram_bytes / 8.0 * 20.0;
    const double dram_bytes = 4.0 * static_cast<double>(m * k + k * n + m * n);
    hand += dram_bytes / 8.0 * 1950.0;
    seconds += r.ops[i].time_s;
  }
  // Static: 64 PEs x 0.15 mW + 96 KiB x 0.01 mW over the run.
  hand += (64 * 0.15 + 96 * 0.01) * 1e-3 * seconds * 1e12;
  INFO("simulated " << r.step.energy.total_pj() << " pJ, hand " << hand << " pJ");
  CHECK(r.step.energy.total_pj() == Approx(hand).epsilon(0.001));
  CHECK(r.step.energy.mac_pj == Approx((20 * 12 * 30 + 9 * 17 * 5) * 4.6).epsilon(1e-12));
}

TEST_CASE("sim energy: zero gating trades the detect cost for gated MACs", "[sim][energy]") {
  const HwConfig hw = make_hw(8, 8, Dataflow::os, TimingMode::mpsim, 32, 8.0);
  const GemmOp op = make_op("g", 64, 64, 64, formats::e4m3, formats::e4m3, formats::fp16);
  SimOptions o;
  const double plain = run({op}, hw, o).ops[0].energy.mac_pj;
  o.zero_gating = true;
  o.zero_operand_fraction = 0.5;
  const double gated = run({op}, hw, o).ops[0].energy.mac_pj;
  const double macs = 64.0 * 64 * 64;
  const double per_mac = horowitz().multiply_pj(formats::e4m3, formats::e4m3) + horowitz().add_pj(formats::fp32);
  CHECK(plain == Approx(macs * per_mac).epsilon(1e-12));
  CHECK(gated == Approx(macs * (0.03 + 0.5 * per_mac + 0.5 * 0.05)).epsilon(1e-12));
}
