// The DRAM channel: one TLM-2.0 target that every DMA transfer goes through. Reads and writes
// share its bandwidth (they contend: a write waits for the reads ahead of it and vice versa);
// each transfer is rounded up to whole bursts, occupies the channel for bursts x burst bytes /
// bandwidth, and completes `latency` after it leaves the channel (latency is pipelined: it
// delays a transfer, not the ones behind it).
//
// Payloads carry timing only: the length is the byte count and the data pointer is never read
// (the model engine needs no values; the rtl engine makes its own operands).
#pragma once

#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>

#include "sim/hw_config.hpp"

namespace mpsim::sim {

class DramChannel : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DramChannel> socket;

  explicit DramChannel(sc_core::sc_module_name name);
  void configure(const HwConfig& hw);  // before each run

  std::int64_t read_bytes() const { return read_bytes_; }
  std::int64_t write_bytes() const { return write_bytes_; }
  std::int64_t burst_bytes_moved() const { return burst_bytes_moved_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  double bytes_per_cycle_ = 1.0;
  double latency_cycles_ = 0.0;
  std::int64_t burst_ = 1;
  bool unlimited_ = false;
  sc_core::sc_time busy_until_ = sc_core::SC_ZERO_TIME;
  std::int64_t read_bytes_ = 0, write_bytes_ = 0, burst_bytes_moved_ = 0;
};

}  // namespace mpsim::sim
