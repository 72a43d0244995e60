// Shared by the sim/ tests: hardware built in code, GEMM ops, and the shipped configs' paths.
#pragma once

#include <cstdint>
#include <string>

#include "model/workload.hpp"
#include "sim/energy_table.hpp"
#include "sim/hw_config.hpp"

namespace mpsim::sim::test {

inline std::string source_path(const std::string& relative) { return std::string(MPSIM_SOURCE_DIR) + "/" + relative; }

inline const EnergyTable& horowitz() {
  static const EnergyTable t = load_energy_table(source_path("configs/energy/horowitz_45nm.yaml"));
  return t;
}

// An R x C array with one lane per format, P product registers, `sram_kib` KiB per buffer
// (double buffered) and DRAM bandwidth `gbps` (0: unlimited) at 1 GHz, no latency.
inline HwConfig make_hw(int rows, int cols, Dataflow df, TimingMode timing, double sram_kib = 1 << 20,
                        double gbps = 0.0, int pipe = 1) {
  HwConfig hw;
  hw.name = "test_" + std::to_string(rows) + "x" + std::to_string(cols);
  hw.array.rows = rows;
  hw.array.cols = cols;
  hw.array.dataflow = df;
  hw.array.mac_latency = pipe;
  hw.clock_mhz = 1000.0;
  for (SramConfig* s : {&hw.sram_a, &hw.sram_b, &hw.sram_c}) {
    s->capacity_bytes = static_cast<std::int64_t>(sram_kib * 1024);
    s->banks = 1;
    s->bytes_per_cycle = 1 << 20;  // never binds unless a test says so
    s->double_buffered = true;
  }
  hw.dram.unlimited = gbps == 0.0;
  hw.dram.bandwidth_gbps = gbps == 0.0 ? 1.0 : gbps;
  hw.dram.latency_ns = 0.0;
  hw.dram.burst_bytes = 1;
  hw.timing = timing;
  return hw;
}

inline GemmOp make_op(const std::string& name, std::int64_t m, std::int64_t n, std::int64_t k,
                      FloatFormat fa = formats::fp32, FloatFormat fb = formats::fp32, FloatFormat fc = formats::fp32) {
  GemmOp op;
  op.name = name;
  op.layer = name;
  op.m = m;
  op.n = n;
  op.k = k;
  op.a = {name + ".A", TensorRole::activation, fa};
  op.b = {name + ".B", TensorRole::weight, fb};
  op.c = {name + ".C", TensorRole::activation, fc};
  return op;
}

}  // namespace mpsim::sim::test
