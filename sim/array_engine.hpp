// The array engine interface: what the controller asks of the MAC array, whichever engine
// stands behind it (issue 5, "two engines behind one interface"):
//   model  sim/model_array_engine.hpp: the RTL's tile formula, one wait per group
//   rtl    sim/rtl_array_engine.hpp: the Verilated array, clocked, fed real operand bits
// Both keep time in array cycles (sim/sc_cycles.hpp) and must agree to the cycle on the same
// folds.
#pragma once

#include <systemc>

#include <cstdint>

#include "model/workload.hpp"
#include "sim/tiler.hpp"

namespace mpsim::sim {

class ArrayEngine {
 public:
  virtual ~ArrayEngine() = default;
  // Called from SystemC threads. prepare: once per job, before its first op is timed (the rtl
  // engine's reset). begin_op returns when the array is configured for the op.
  virtual void prepare() {}
  virtual void begin_op(const GemmOp& op, const OpPlan& plan, std::uint64_t seed) = 0;
  // Streams group g; returns when the array can accept the next group's first operands.
  virtual void run_group(std::int64_t g) = 0;
  // Returns when group g's results are all out of the array (called after run_group(g), from
  // the DMA's store engine, so the controller streams on meanwhile).
  virtual void wait_group_done(std::int64_t g) = 0;
  // Returns when the op's last results are out.
  virtual void end_op() = 0;
  // rtl engine: output elements compared with model/'s dot() and how many differed.
  virtual std::int64_t checked() const { return 0; }
  virtual std::int64_t mismatches() const { return 0; }
};

}  // namespace mpsim::sim
