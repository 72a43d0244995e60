// The wiring, and nothing else (STYLE.md 9): controller -> DMA -> DRAM channel and SRAM
// buffers, controller -> array engine.
//
//   Controller --fifo--> Dma ==TLM==> DramChannel
//       |                 \==TLM==> SramBuffer a, b, c
//       +--ArrayEngine--> ModelArrayEngine | RtlArrayEngine
//
// SystemC elaborates once per process, so one AcceleratorTop is built on first use and every
// run after reconfigures it (sizes, bandwidths and engines are data, not structure).
#pragma once

#include "sim/controller.hpp"
#include "sim/dma.hpp"
#include "sim/dram_channel.hpp"
#include "sim/model_array_engine.hpp"
#include "sim/sram_buffer.hpp"

namespace mpsim::sim {

class RtlArrayEngine;

class AcceleratorTop : public sc_core::sc_module {
 public:
  Controller controller;
  Dma dma;
  DramChannel dram;
  SramBuffer sram_a, sram_b, sram_c;
  ModelArrayEngine model_engine;
  // When built (MPSIM_SIM_RTL_ENGINE), else null. Owned by the SystemC hierarchy, like the top.
  RtlArrayEngine* rtl_engine = nullptr;

  explicit AcceleratorTop(sc_core::sc_module_name name);

  void configure(const HwConfig& hw);

  // The process's one instance, built on first use.
  static AcceleratorTop& instance();
};

}  // namespace mpsim::sim
