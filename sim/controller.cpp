#include "sim/controller.hpp"

#include "sim/sc_cycles.hpp"

namespace mpsim::sim {

Controller::Controller(sc_core::sc_module_name name) : sc_core::sc_module(name) {
  SC_HAS_PROCESS(Controller);
  SC_THREAD(run);
}

void Controller::start(const ControllerJob& job) {
  job_ = job;
  finished_ = false;
  pending_ = true;
  timings_.assign(job.ops->size(), {});
  // Before the first sc_start() the thread has not run yet and finds the job pending; later it
  // waits on the event, which a notification between sc_start() calls wakes.
  start_event_.notify(sc_core::SC_ZERO_TIME);
}

void Controller::run() {
  for (;;) {
    while (!pending_) wait(start_event_);  // one job per sc_start()
    pending_ = false;
    job_.engine->prepare();
    for (std::size_t n = 0; n < job_.ops->size(); ++n) {
      run_op((*job_.ops)[n], (*job_.plans)[n], timings_[n]);
    }
    finished_ = true;
  }
}

void Controller::run_op(const GemmOp& op, const OpPlan& plan, OpTiming& t) {
  t.start = to_cycles(sc_core::sc_time_stamp());
  const auto groups = static_cast<std::int64_t>(plan.groups.size());
  // Groups allowed in the buffers at once: loading, loaded or computing.
  const std::int64_t slots = job_.double_buffered_ab ? 2 : 1;
  std::int64_t issued = 0;
  const auto issue_loads = [&](std::int64_t computed) {
    for (; issued < groups && issued < computed + slots; ++issued) {
      const TileGroup& g = plan.groups[static_cast<std::size_t>(issued)];
      dma->load_requests.write({issued, g.load_a, g.load_b, g.load_c});
    }
  };
  issue_loads(0);
  job_.engine->begin_op(op, plan, job_.seed);
  std::int64_t stores = 0;
  for (std::int64_t g = 0; g < groups; ++g) {
    // Loads complete in issue order: the next completion is group g's.
    if (dma->load_done.read() != g) SC_REPORT_FATAL("mpsim/controller", "loads completed out of order");
    if (g == 0) t.first_compute = to_cycles(sc_core::sc_time_stamp());
    job_.engine->run_group(g);
    issue_loads(g + 1);  // group g's half is free once its operands have streamed in
    const TileGroup& group = plan.groups[static_cast<std::size_t>(g)];
    if (group.store_c > 0) {
      ArrayEngine* engine = job_.engine;
      dma->store_requests.write({g, group.store_c, [engine, g] { engine->wait_group_done(g); }});
      ++stores;
      if (!job_.double_buffered_c) {
        dma->store_done.read();
        --stores;
      }
    }
    // Collect finished stores as they come, so the completion queue never fills.
    for (std::int64_t done = 0; stores > 0 && dma->store_done.nb_read(done);) --stores;
  }
  job_.engine->end_op();
  for (; stores > 0; --stores) dma->store_done.read();
  t.end = to_cycles(sc_core::sc_time_stamp());
  t.rtl_checked = job_.engine->checked();
  t.rtl_mismatches = job_.engine->mismatches();
}

}  // namespace mpsim::sim
