#include "sim/dram_channel.hpp"

#include "sim/sc_cycles.hpp"

namespace mpsim::sim {

DramChannel::DramChannel(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") {
  socket.register_b_transport(this, &DramChannel::b_transport);
}

void DramChannel::configure(const HwConfig& hw) {
  unlimited_ = hw.dram.unlimited;
  bytes_per_cycle_ = hw.dram.unlimited ? 1.0 : hw.dram_bytes_per_cycle();
  latency_cycles_ = hw.dram_latency_cycles();
  burst_ = hw.dram.burst_bytes;
  busy_until_ = sc_core::sc_time_stamp();
  read_bytes_ = write_bytes_ = burst_bytes_moved_ = 0;
}

void DramChannel::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const auto bytes = static_cast<std::int64_t>(trans.get_data_length());
  (trans.is_read() ? read_bytes_ : write_bytes_) += bytes;
  const std::int64_t moved = (bytes + burst_ - 1) / burst_ * burst_;
  burst_bytes_moved_ += moved;
  // Loosely timed: the transfer is requested at now + delay and queues behind the channel's
  // earlier transfers, reads and writes alike.
  const sc_core::sc_time requested = sc_core::sc_time_stamp() + delay;
  const sc_core::sc_time start = requested > busy_until_ ? requested : busy_until_;
  busy_until_ = start + (unlimited_ ? sc_core::SC_ZERO_TIME : cycles(static_cast<double>(moved) / bytes_per_cycle_));
  delay = busy_until_ + cycles(latency_cycles_) - sc_core::sc_time_stamp();
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace mpsim::sim
