// The `model` engine: the array timed by formula, one wait per group, never per PE or cycle.
// A group of folds streams back to back for its planned cycles (sim/tiler.hpp: fold intervals
// max(T, R, C), or SCALE-Sim's fold cycles), and its results are out `drain` cycles after its
// last interval: exactly docs/RTL.md's T = K + R + C + P for one tile and max(K, R, C) per tile
// back to back, plus the configuration cycle, as the RTL measures them.
#pragma once

#include <vector>

#include "sim/array_engine.hpp"

namespace mpsim::sim {

class ModelArrayEngine : public sc_core::sc_module, public ArrayEngine {
 public:
  explicit ModelArrayEngine(sc_core::sc_module_name name) : sc_core::sc_module(name) {}

  void begin_op(const GemmOp& op, const OpPlan& plan, std::uint64_t seed) override;
  void run_group(std::int64_t g) override;
  void wait_group_done(std::int64_t g) override;
  void end_op() override;

 private:
  const OpPlan* plan_ = nullptr;
  std::vector<sc_core::sc_time> done_at_;
  sc_core::sc_time last_done_;
};

}  // namespace mpsim::sim
