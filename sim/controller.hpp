// The controller: replays each op's plan (sim/tiler.hpp) in simulated time. Ops run one after
// another; within an op the groups run in order, and
//   - a group's loads are issued as soon as a buffer half is free for them: with A and B
//     double buffered, group g+1 loads while group g computes (two groups in the buffers),
//     otherwise only after group g has finished;
//   - the array streams group g once its loads are in (a late load is a memory stall);
//   - group g's results go to DRAM when the array has them out; with C double buffered the
//     array goes on meanwhile, otherwise it waits for the store to finish.
// The op ends when its last results are out and stored.
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

#include "model/workload.hpp"
#include "sim/array_engine.hpp"
#include "sim/dma.hpp"
#include "sim/tiler.hpp"

namespace mpsim::sim {

struct OpTiming {
  double start = 0, end = 0;       // cycles
  double first_compute = 0;        // when the array started the first group
  std::int64_t rtl_checked = 0, rtl_mismatches = 0;
};

struct ControllerJob {
  const std::vector<GemmOp>* ops = nullptr;
  const std::vector<OpPlan>* plans = nullptr;
  ArrayEngine* engine = nullptr;
  bool double_buffered_ab = true, double_buffered_c = true;
  std::uint64_t seed = 1;
};

class Controller : public sc_core::sc_module {
 public:
  explicit Controller(sc_core::sc_module_name name);

  Dma* dma = nullptr;  // wired by the top

  // Between sc_start() calls: hand over a job; the next sc_start() runs it to completion.
  void start(const ControllerJob& job);
  bool finished() const { return finished_; }
  const std::vector<OpTiming>& timings() const { return timings_; }

 private:
  void run();
  void run_op(const GemmOp& op, const OpPlan& plan, OpTiming& t);

  ControllerJob job_;
  sc_core::sc_event start_event_;
  bool finished_ = true;
  bool pending_ = false;
  std::vector<OpTiming> timings_;
};

}  // namespace mpsim::sim
