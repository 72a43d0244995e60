// One on-chip buffer (A, B or C) as a TLM-2.0 target for the DMA. It times the DMA side of the
// buffer (bytes / bytes per cycle through its port) and counts those bytes; the array side's
// reads and writes come from the tiler's plan (sim/tiler.hpp), which knows them per fold.
// Capacity and double buffering shape the plan, not this module: the tiler only ever asks it
// to hold what fits.
#pragma once

#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>

#include "sim/hw_config.hpp"

namespace mpsim::sim {

class SramBuffer : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<SramBuffer> socket;

  explicit SramBuffer(sc_core::sc_module_name name);
  // unlimited: no interface limit at all (SCALE-Sim's InterfaceBandwidth CALC), the fill port
  // included.
  void configure(const SramConfig& cfg, bool unlimited);

  std::int64_t dma_read_bytes() const { return read_bytes_; }
  std::int64_t dma_write_bytes() const { return write_bytes_; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  double bytes_per_cycle_ = 1.0;
  bool unlimited_ = false;
  sc_core::sc_time busy_until_ = sc_core::SC_ZERO_TIME;
  std::int64_t read_bytes_ = 0, write_bytes_ = 0;
};

}  // namespace mpsim::sim
