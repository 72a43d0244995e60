#include "sim/dma.hpp"

namespace mpsim::sim {

namespace {
// The controller keeps at most two groups' loads outstanding (the buffer halves); stores may
// queue up behind a slow channel, and a full queue stalls the controller, as a real DMA's would.
constexpr int kLoadQueue = 4;
constexpr int kStoreQueue = 1 << 12;
}  // namespace

Dma::Dma(sc_core::sc_module_name name)
    : sc_core::sc_module(name),
      to_dram("to_dram"),
      to_sram_a("to_sram_a"),
      to_sram_b("to_sram_b"),
      to_sram_c("to_sram_c"),
      load_requests("load_requests", kLoadQueue),
      store_requests("store_requests", kStoreQueue),
      load_done("load_done", kLoadQueue),
      store_done("store_done", kStoreQueue) {
  SC_HAS_PROCESS(Dma);
  SC_THREAD(load_engine);
  SC_THREAD(store_engine);
}

sc_core::sc_time Dma::transfer(tlm::tlm_command dram_command, tlm_utils::simple_initiator_socket<Dma>& sram,
                               std::int64_t bytes) {
  if (bytes == 0) return sc_core::SC_ZERO_TIME;
  const auto setup = [&](tlm::tlm_generic_payload& t, tlm::tlm_command cmd) {
    t.set_command(cmd);
    t.set_address(0);
    t.set_data_ptr(dummy_);
    t.set_data_length(static_cast<unsigned int>(bytes));
    t.set_streaming_width(static_cast<unsigned int>(bytes));
    t.set_byte_enable_ptr(nullptr);
    t.set_dmi_allowed(false);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  };
  // A load reads DRAM and writes the buffer; a store reads the buffer and writes DRAM.
  setup(dram_trans_, dram_command);
  setup(sram_trans_, dram_command == tlm::TLM_READ_COMMAND ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  sc_core::sc_time dram_delay = sc_core::SC_ZERO_TIME, sram_delay = sc_core::SC_ZERO_TIME;
  to_dram->b_transport(dram_trans_, dram_delay);
  sram->b_transport(sram_trans_, sram_delay);
  if (dram_trans_.is_response_error() || sram_trans_.is_response_error()) {
    SC_REPORT_ERROR("mpsim/dma", "a transfer failed");
  }
  return dram_delay > sram_delay ? dram_delay : sram_delay;
}

void Dma::load_engine() {
  for (;;) {
    const DmaLoad job = load_requests.read();  // blocks until the controller issues a load
    // The three operands are requested together; the DRAM channel serialises them.
    sc_core::sc_time done = transfer(tlm::TLM_READ_COMMAND, to_sram_a, job.a);
    const sc_core::sc_time b = transfer(tlm::TLM_READ_COMMAND, to_sram_b, job.b);
    const sc_core::sc_time c = transfer(tlm::TLM_READ_COMMAND, to_sram_c, job.c);
    if (b > done) done = b;
    if (c > done) done = c;
    wait(done);
    load_done.write(job.group);
  }
}

void Dma::store_engine() {
  for (;;) {
    const DmaStore job = store_requests.read();  // blocks until a group has results to store
    job.ready();
    wait(transfer(tlm::TLM_WRITE_COMMAND, to_sram_c, job.bytes));
    store_done.write(job.group);
  }
}

}  // namespace mpsim::sim
