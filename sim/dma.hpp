// The DMA: moves a group's operands DRAM -> SRAM (loads) and results SRAM C -> DRAM (stores)
// through TLM-2.0 initiator sockets, one engine per direction so that loads and stores
// overlap and contend in the DRAM channel. Each transfer is one blocking b_transport to DRAM
// and one to the buffer; DRAM and SRAM port are pipelined, so a transfer takes the longer of
// the two.
//
// Requests come in through FIFOs in issue order and complete in that order:
//   load_requests  -> load_done   (the group index)
//   store_requests -> store_done
// A store first waits until its results exist (`ready`, from the array engine).
#pragma once

#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <functional>
#include <ostream>

namespace mpsim::sim {

struct DmaLoad {
  std::int64_t group = 0;
  std::int64_t a = 0, b = 0, c = 0;  // bytes into buffers A, B, C
};

struct DmaStore {
  std::int64_t group = 0;
  std::int64_t bytes = 0;       // out of buffer C
  std::function<void()> ready;  // blocks (in the store engine) until the results exist
};

// sc_fifo prints its contents on request (sc_fifo::print); these say what a request is.
inline std::ostream& operator<<(std::ostream& os, const DmaLoad& l) {
  return os << "load group " << l.group << ": A " << l.a << " B " << l.b << " C " << l.c << " bytes";
}
inline std::ostream& operator<<(std::ostream& os, const DmaStore& s) {
  return os << "store group " << s.group << ": " << s.bytes << " bytes";
}

class Dma : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Dma> to_dram;
  tlm_utils::simple_initiator_socket<Dma> to_sram_a, to_sram_b, to_sram_c;

  // Request and completion queues (depths in dma.cpp).
  sc_core::sc_fifo<DmaLoad> load_requests;
  sc_core::sc_fifo<DmaStore> store_requests;
  sc_core::sc_fifo<std::int64_t> load_done, store_done;

  explicit Dma(sc_core::sc_module_name name);

 private:
  void load_engine();
  void store_engine();
  // DRAM and buffer transfers of `bytes`, started together; returns the later completion.
  sc_core::sc_time transfer(tlm::tlm_command dram_command, tlm_utils::simple_initiator_socket<Dma>& sram,
                            std::int64_t bytes);

  tlm::tlm_generic_payload dram_trans_, sram_trans_;
  unsigned char dummy_[8] = {};  // payloads carry lengths, not data (sim/dram_channel.hpp)
};

}  // namespace mpsim::sim
