// Speed of sim/'s two array engines on the rtl engine's own array (4x4, the Verilated SystemC
// build): the same GEMMs through simulate() with --engine rtl (every PE, every cycle, results
// checked against model/'s dot()) and --engine model (one wait per group), with the cycles
// both report (they must agree). docs/PERFORMANCE.md records the figures.
//
//   bench_sim_rtl_engine [--reps N]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_timing.hpp"
#include "sim/simulator.hpp"

using namespace mpsim;
using namespace mpsim::sim;

namespace {

HwConfig rtl_engine_hw() {
  HwConfig hw;
  hw.name = "rtl_engine_4x4";
  hw.array.rows = 4;
  hw.array.cols = 4;
  hw.array.mac_latency = 1;
  hw.clock_mhz = 1000.0;
  for (SramConfig* s : {&hw.sram_a, &hw.sram_b, &hw.sram_c}) {
    s->capacity_bytes = 1 << 20;
    s->bytes_per_cycle = 64;
  }
  hw.dram.unlimited = true;
  hw.dram.latency_ns = 0.0;
  return hw;
}

GemmOp op(const std::string& name, std::int64_t m, std::int64_t n, std::int64_t k, FloatFormat f) {
  GemmOp g;
  g.name = name;
  g.layer = name;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = {name + ".A", TensorRole::activation, f};
  g.b = {name + ".B", TensorRole::weight, f};
  g.c = {name + ".C", TensorRole::activation, formats::fp32};
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sim/ rtl engine speed against the model engine on the 4x4 array"};
  int reps = 3;
  app.add_option("--reps", reps, "timed repetitions (median)")->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);

  const EnergyTable energy = load_energy_table(std::string(MPSIM_SOURCE_DIR) + "/configs/energy/horowitz_45nm.yaml");
  const HwConfig hw = rtl_engine_hw();
  struct Case {
    const char* what;
    Workload w;
  };
  std::vector<Case> cases = {
      {"64x64x64 e4m3", {{op("g", 64, 64, 64, formats::e4m3)}}},
      {"64x64x256 fp16", {{op("g", 64, 64, 256, formats::fp16)}}},
      {"128x128x128 fp32", {{op("g", 128, 128, 128, formats::fp32)}}},
  };
  fmt::print("{:<18} {:>7} {:>12} {:>10} {:>14} {:>14} {:>10}\n", "GEMM", "engine", "cycles", "wall s", "cycles/s",
             "MACs/s", "mismatch");
  for (const Case& c : cases) {
    for (const Engine e : {Engine::rtl, Engine::model}) {
      if (e == Engine::rtl && !rtl_engine_available()) {
        fmt::print("{:<18} {:>7} not in this build (needs Verilator)\n", c.what, "rtl");
        continue;
      }
      SimOptions o;
      o.engine = e;
      SimResult r;
      const double s = bench::median_seconds(reps, [&] { r = simulate(c.w, hw, energy, o); });
      fmt::print("{:<18} {:>7} {:>12} {:>10.3g} {:>14.3g} {:>14.3g} {:>10}\n", c.what, engine_name(e),
                 r.step.total_cycles, s, static_cast<double>(r.step.total_cycles) / s,
                 static_cast<double>(r.step.macs) / s, e == Engine::rtl ? std::to_string(r.step.rtl_mismatches) : "-");
    }
  }
  return 0;
}
