#include "sim/model_array_engine.hpp"

#include "sim/sc_cycles.hpp"

namespace mpsim::sim {

void ModelArrayEngine::begin_op(const GemmOp&, const OpPlan& plan, std::uint64_t) {
  plan_ = &plan;
  done_at_.assign(plan.groups.size(), sc_core::SC_ZERO_TIME);
  // The configuration transfer and, for ws/is, the first stationary preload (plan.head).
  wait(cycles(static_cast<double>(plan.head)));
  last_done_ = sc_core::sc_time_stamp();
}

void ModelArrayEngine::run_group(std::int64_t g) {
  const TileGroup& group = plan_->groups[static_cast<std::size_t>(g)];
  // Operands enter for the group's intervals; a gap before this call (waiting for loads) simply
  // delays the stream, as an idle in_valid does in the RTL.
  wait(cycles(static_cast<double>(group.array_cycles)));
  done_at_[static_cast<std::size_t>(g)] = sc_core::sc_time_stamp() + cycles(static_cast<double>(plan_->drain));
  last_done_ = done_at_[static_cast<std::size_t>(g)];
}

void ModelArrayEngine::wait_group_done(std::int64_t g) {
  const sc_core::sc_time at = done_at_[static_cast<std::size_t>(g)];
  if (at > sc_core::sc_time_stamp()) wait(at - sc_core::sc_time_stamp());
}

void ModelArrayEngine::end_op() {
  if (last_done_ > sc_core::sc_time_stamp()) wait(last_done_ - sc_core::sc_time_stamp());
}

}  // namespace mpsim::sim
