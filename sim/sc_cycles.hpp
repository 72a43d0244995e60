// Simulated time in sim/'s SystemC modules is kept in array clock cycles: one cycle is one
// SystemC nanosecond, whatever the configured clock (HwConfig converts DRAM bandwidth and
// latency into cycles). The default 1 ps resolution leaves a thousandth of a cycle for the
// DRAM channel's fractional transfer times, and 64-bit picoseconds hold 1.8e13 cycles.
#pragma once

#include <systemc>

namespace mpsim::sim {

inline sc_core::sc_time cycles(double c) { return sc_core::sc_time(c, sc_core::SC_NS); }
inline double to_cycles(const sc_core::sc_time& t) { return t / sc_core::sc_time(1.0, sc_core::SC_NS); }

}  // namespace mpsim::sim
