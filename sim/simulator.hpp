// sim/'s entry point: time a Workload on a HwConfig and price it with an EnergyTable.
//
//   SimResult r = simulate(workload, load_hw_config("configs/hw/edge_16x16.yaml"),
//                          load_energy_table("configs/energy/horowitz_45nm.yaml"), {});
//
// Inside, a SystemC model (sim/accelerator_top.hpp: controller -> DMA -> DRAM, SRAM buffers,
// array engine) runs the folds the tiler plans. SystemC elaborates once per process, so the
// module tree is built on the first call and reused: simulate() may be called any number of
// times per process, from one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/workload.hpp"
#include "sim/energy_table.hpp"
#include "sim/hw_config.hpp"
#include "sim/sim_stats.hpp"
#include "sim/timing_formulas.hpp"

namespace mpsim::sim {

// model: the array timed by the RTL's tile formula. rtl: the Verilated array (rtl/) run on the
// real operand bits under the same SystemC kernel; only where it was built (the 4x4, fp32
// accumulation, one product register build, MPSIM_RTL_SC_*), output-stationary, one lane.
enum class Engine : std::uint8_t { model, rtl };
const char* engine_name(Engine e);
// Whether this build has the rtl engine (the Verilated SystemC array was found at build time).
bool rtl_engine_available();

// rtl engine: given operand codes for one op instead of seeded random ones, A [m][k] and
// B [k][n] row-major in the op's formats; the engine writes the op's results C [m][n]
// (accumulator codes) into c. `mpsim verify` feeds real training tiles through it this way.
struct RtlOpBits {
  std::vector<std::uint32_t> a, b, c;
};

struct SimOptions {
  Engine engine = Engine::model;
  std::optional<TimingMode> timing;  // overrides hw.timing
  bool zero_gating = false;          // a zero operand gates the MAC (energy only)
  double zero_operand_fraction = 0.0;  // of MACs with a zero operand, when gating (e.g. ReLU)
  std::uint64_t seed = 1;            // rtl engine: the operand values fed to the array
  std::vector<RtlOpBits>* rtl_bits = nullptr;  // rtl engine: one per op, replacing the seeded values
};

// A request the configuration cannot run (rtl engine absent or on a config it was not built
// for, a format the energy table cannot price): one line saying what and what is allowed.
struct SimError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

SimResult simulate(const Workload& workload, const HwConfig& hw, const EnergyTable& energy,
                   const SimOptions& options = {});

}  // namespace mpsim::sim
