#include "sim/sram_buffer.hpp"

#include "sim/sc_cycles.hpp"

namespace mpsim::sim {

SramBuffer::SramBuffer(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") {
  socket.register_b_transport(this, &SramBuffer::b_transport);
}

void SramBuffer::configure(const SramConfig& cfg, bool unlimited) {
  bytes_per_cycle_ = cfg.bytes_per_cycle;
  unlimited_ = unlimited;
  busy_until_ = sc_core::sc_time_stamp();
  read_bytes_ = write_bytes_ = 0;
}

void SramBuffer::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const auto bytes = static_cast<std::int64_t>(trans.get_data_length());
  (trans.is_read() ? read_bytes_ : write_bytes_) += bytes;
  // The DMA port: one transfer at a time, bytes_per_cycle wide (the banks together).
  const sc_core::sc_time requested = sc_core::sc_time_stamp() + delay;
  const sc_core::sc_time start = requested > busy_until_ ? requested : busy_until_;
  busy_until_ = start + (unlimited_ ? sc_core::SC_ZERO_TIME : cycles(static_cast<double>(bytes) / bytes_per_cycle_));
  delay = busy_until_ - sc_core::sc_time_stamp();
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace mpsim::sim
