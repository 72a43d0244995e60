#include "sim/accelerator_top.hpp"

#include <cstdlib>

#if MPSIM_SIM_RTL_ENGINE
#include "sim/rtl_array_engine.hpp"
#endif

namespace mpsim::sim {

AcceleratorTop::AcceleratorTop(sc_core::sc_module_name name)
    : sc_core::sc_module(name),
      controller("controller"),
      dma("dma"),
      dram("dram"),
      sram_a("sram_a"),
      sram_b("sram_b"),
      sram_c("sram_c"),
      model_engine("model_engine") {
  dma.to_dram.bind(dram.socket);
  dma.to_sram_a.bind(sram_a.socket);
  dma.to_sram_b.bind(sram_b.socket);
  dma.to_sram_c.bind(sram_c.socket);
  controller.dma = &dma;
#if MPSIM_SIM_RTL_ENGINE
  rtl_engine = new RtlArrayEngine("rtl_engine");  // a child module: lives as long as the top
#endif
}

void AcceleratorTop::configure(const HwConfig& hw) {
  dram.configure(hw);
  sram_a.configure(hw.sram_a, hw.dram.unlimited);
  sram_b.configure(hw.sram_b, hw.dram.unlimited);
  sram_c.configure(hw.sram_c, hw.dram.unlimited);
}

AcceleratorTop& AcceleratorTop::instance() {
  // SystemC prints its banner on stdout when the kernel starts unless this is set; mpsim's
  // output (and ctest's test discovery) must not carry it.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  // Never destroyed: SystemC objects outlive main's return in the kernel's own bookkeeping.
  static AcceleratorTop* top = new AcceleratorTop("mpsim");
  return *top;
}

}  // namespace mpsim::sim
