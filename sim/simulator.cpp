#include "sim/simulator.hpp"

#include <cmath>

#include "model/format_names.hpp"
#include "sim/accelerator_top.hpp"
#include "sim/energy_model.hpp"
#include "sim/tiler.hpp"

#if MPSIM_SIM_RTL_ENGINE
#include "sim/rtl_array_engine.hpp"
#endif

// libsystemc.so refers to sc_main (its own main() calls it). mpsim never enters SystemC
// through it: simulate() drives sc_start() itself. A program with its own sc_main wins.
extern "C" __attribute__((weak)) int sc_main(int, char**) { return 1; }

namespace mpsim::sim {

const char* engine_name(Engine e) { return e == Engine::model ? "model" : "rtl"; }

bool rtl_engine_available() {
#if MPSIM_SIM_RTL_ENGINE
  return true;
#else
  return false;
#endif
}

namespace {

void check_op(const GemmOp& op, const HwConfig& hw, const EnergyTable& energy, const SimOptions& options) {
  if (op.accumulator.total_bits() > hw.array.accumulator.total_bits()) {
    throw SimError("op " + op.name + " accumulates in " + format_name(op.accumulator) + " but the array's accumulator is " +
                   format_name(hw.array.accumulator) + "; allowed: an accumulator no wider than the array's");
  }
  try {
    (void)energy.multiply_pj(op.a.format, op.b.format);
    (void)energy.add_pj(op.accumulator);
  } catch (const std::out_of_range& e) {
    throw SimError(energy.source_path + ": cannot price op " + op.name + ": " + e.what());
  }
  if (options.engine == Engine::rtl) {
#if MPSIM_SIM_RTL_ENGINE
    const std::string why = RtlArrayEngine::unsupported(op, hw);
    if (!why.empty()) throw SimError("the rtl engine cannot run op " + op.name + ": " + why);
#endif
  }
}

OpStats op_stats(const GemmOp& op, const OpPlan& plan, const OpTiming& t, const HwConfig& hw) {
  OpStats s;
  s.name = op.name;
  s.layer = op.layer;
  s.phase = op.phase;
  s.m = op.m;
  s.n = op.n;
  s.k = op.k;
  s.macs = op.macs();
  s.row_folds = plan.map.row_folds;
  s.col_folds = plan.map.col_folds;
  s.stream_length = plan.map.t;
  s.lanes = plan.lanes;

  const std::int64_t R = plan.rows, C = plan.cols, T = plan.map.t, n = plan.map.folds();
  const std::int64_t scalesim = scalesim_op_cycles(plan.dataflow, R, C, plan.map);
  const std::int64_t mpsim = 1 + mpsim_stream_cycles(plan.dataflow, n, R, C, T, plan.pipe);  // +1: configuration
  const std::int64_t ideal = plan.timing == TimingMode::mpsim ? mpsim : scalesim;
  s.total_cycles = std::llround(t.end - t.start) + plan.adjust;
  s.compute_cycles = n * T;
  s.stall_fill_drain_cycles = ideal - s.compute_cycles;
  s.stall_memory_cycles = s.total_cycles - ideal;
  const double pe_cycles = static_cast<double>(R * C * plan.lanes) * static_cast<double>(s.total_cycles);
  s.pe_utilization = pe_cycles > 0 ? static_cast<double>(s.macs) / pe_cycles : 0.0;

  s.sram_a = plan.sram_a;
  s.sram_b = plan.sram_b;
  s.sram_c = plan.sram_c;
  s.dram.push_back({op.a.name, op.a.role, op.a.format, plan.dram_read_a, 0});
  s.dram.push_back({op.b.name, op.b.role, op.b.format, plan.dram_read_b, 0});
  const std::int64_t partial = plan.dram_read_c;  // spilled partial sums, read back once each
  s.dram.push_back({op.c.name, op.c.role, op.c.format, 0, op.m * op.n * element_bytes(op.c.format)});
  if (partial > 0) {
    s.dram.push_back({op.c.name + ".partial", op.c.role, op.accumulator, partial,
                      plan.dram_write_c - op.m * op.n * element_bytes(op.c.format)});
  }
  s.dram_read_bytes = plan.dram_read_a + plan.dram_read_b + plan.dram_read_c;
  s.dram_write_bytes = plan.dram_write_c;
  s.time_s = static_cast<double>(s.total_cycles) / (hw.clock_mhz * 1e6);
  s.dram_gbps = s.time_s > 0 ? static_cast<double>(s.dram_read_bytes + s.dram_write_bytes) / s.time_s / 1e9 : 0.0;

  s.modes.scalesim_cycles = scalesim;
  s.modes.mpsim_compute_cycles = mpsim;
  s.modes.skew_per_fold = scalesim_fold_cycles(plan.dataflow, R, C, T) - T;
  s.modes.overlap_cycles = scalesim - mpsim;
  s.modes.fill_cycles = std::max<std::int64_t>(0, std::llround(t.first_compute - t.start) - plan.head);
  s.rtl_checked = t.rtl_checked;
  s.rtl_mismatches = t.rtl_mismatches;
  return s;
}

}  // namespace

SimResult simulate(const Workload& workload, const HwConfig& hw, const EnergyTable& energy, const SimOptions& options) {
  validate_hw_config(hw, hw.source_path.empty() ? hw.name : hw.source_path);
  if (!(options.zero_operand_fraction >= 0.0 && options.zero_operand_fraction <= 1.0)) {
    throw SimError("zero_operand_fraction: a number from 0 to 1");
  }
  if (options.engine == Engine::rtl && !rtl_engine_available()) {
    throw SimError("the rtl engine is not in this build (it needs Verilator and SystemC at build time: "
                   "rtl/CMakeLists.txt mpsim_rtl_array_sc); allowed here: --engine model");
  }
  const TimingMode timing = options.timing.value_or(hw.timing);
  if (options.engine == Engine::rtl && timing != TimingMode::mpsim) {
    throw SimError("the rtl engine times with the RTL itself; allowed: --timing mpsim with --engine rtl");
  }
  if (options.rtl_bits != nullptr) {
    if (options.engine != Engine::rtl || options.rtl_bits->size() != workload.ops.size()) {
      throw SimError("rtl_bits: one entry per op, with the rtl engine only");
    }
    for (std::size_t n = 0; n < workload.ops.size(); ++n) {
      const GemmOp& op = workload.ops[n];
      const RtlOpBits& bits = (*options.rtl_bits)[n];
      if (static_cast<std::int64_t>(bits.a.size()) != op.m * op.k || static_cast<std::int64_t>(bits.b.size()) != op.k * op.n) {
        throw SimError("rtl_bits of op " + op.name + ": A must have M*K and B K*N codes");
      }
    }
  }
  std::vector<OpPlan> plans;
  plans.reserve(workload.ops.size());
  for (const GemmOp& op : workload.ops) {
    check_op(op, hw, energy, options);
    plans.push_back(plan_op(op, hw, timing));
    if (options.engine == Engine::rtl) {
      for (const TileGroup& g : plans.back().groups) {
        if (g.folds == 0) {
          throw SimError("the rtl engine cannot run op " + op.name +
                         ": a fold's operands do not fit the buffers at once; allowed: larger sram capacities");
        }
      }
    }
  }

  AcceleratorTop& top = AcceleratorTop::instance();
  top.configure(hw);
  ControllerJob job;
  job.ops = &workload.ops;
  job.plans = &plans;
  job.engine = &top.model_engine;
#if MPSIM_SIM_RTL_ENGINE
  if (options.engine == Engine::rtl) {
    job.engine = top.rtl_engine;
    top.rtl_engine->use_bits(options.rtl_bits);
  }
#endif
  job.double_buffered_ab = hw.sram_a.double_buffered && hw.sram_b.double_buffered;
  job.double_buffered_c = hw.sram_c.double_buffered;
  job.seed = options.seed;
  top.controller.start(job);
  sc_core::sc_start();  // runs until every process waits: the job is done
  if (!top.controller.finished()) {
    throw std::logic_error("sim: the SystemC run stopped at " + sc_core::sc_time_stamp().to_string() +
                           " before the job finished");
  }

  SimResult result;
  result.hw_name = hw.name;
  result.timing = timing;
  std::int64_t planned_read = 0, planned_write = 0;
  const EnergyOptions eo{options.zero_gating, options.zero_operand_fraction};
  for (std::size_t n = 0; n < workload.ops.size(); ++n) {
    OpStats s = op_stats(workload.ops[n], plans[n], top.controller.timings()[n], hw);
    price_op(workload.ops[n], hw, energy, eo, s);
    planned_read += s.dram_read_bytes;
    planned_write += s.dram_write_bytes;
    result.ops.push_back(std::move(s));
  }
  // The plan's bytes are what the DMA moved through the channel, or the model is inconsistent.
  if (planned_read != top.dram.read_bytes() || planned_write != top.dram.write_bytes()) {
    throw std::logic_error("sim: DRAM bytes moved differ from the plan's");
  }
  result.step = sum_step(result.ops, hw);
  return result;
}

}  // namespace mpsim::sim
