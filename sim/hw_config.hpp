// The accelerator description sim/ times a Workload on (issue 5, docs/SIM.md): the MAC array,
// its SRAM buffers, the DRAM channel and the timing mode, as typed values. Read from
// configs/hw/*.yaml, or from a SCALE-Sim v2 `.cfg` file unchanged, and validated as read: below
// the loader nothing looks anything up by string.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>

#include "model/float_format.hpp"

namespace mpsim::sim {

// Which operand stays in the PEs while the other two stream (SCALE-Sim's names):
//   os  output-stationary: C[i][j] accumulates in PE(i, j); rows <- M, cols <- N, streams K.
//       This is what rtl/ builds (docs/RTL.md).
//   ws  weight-stationary: a K x N block of B is preloaded; rows <- K, cols <- N, streams M.
//   is  input-stationary:  a K x M block of A^T is preloaded; rows <- K, cols <- M, streams N.
enum class Dataflow : std::uint8_t { os, ws, is };

// mpsim: the RTL's tile formula, folds overlapped where double buffering allows, buffer fill
// counted. scalesim: SCALE-Sim v2's compute-cycle convention (sim/timing_formulas.hpp).
enum class TimingMode : std::uint8_t { mpsim, scalesim };

const char* dataflow_name(Dataflow d);
const char* timing_mode_name(TimingMode t);

// MACs a PE retires per cycle, by the width of its widest input operand (a PE with 4 fp8 lanes
// does 4 e4m3 x e4m3 products per cycle where it does 1 fp32 x fp32). Width classes, not
// format names, because the lanes are a property of the datapath width: bf16 and fp16 share a
// 16-bit lane, e4m3 and e5m2 an 8-bit one.
enum class WidthClass : std::uint8_t { bits32, bits16, bits8 };
inline constexpr std::array<WidthClass, 3> kWidthClasses = {WidthClass::bits32, WidthClass::bits16,
                                                            WidthClass::bits8};
// "fp32" (wider than 16 bits), "fp16" (9..16 bits), "fp8" (8 bits and narrower): the YAML keys.
const char* width_class_name(WidthClass w);
constexpr WidthClass width_class(const FloatFormat& f) {
  return f.total_bits() > 16 ? WidthClass::bits32 : f.total_bits() > 8 ? WidthClass::bits16 : WidthClass::bits8;
}
// The wider operand decides the lane (an fp16 x e4m3 product runs in the 16-bit lane).
constexpr WidthClass width_class(const FloatFormat& a, const FloatFormat& b) {
  const int bits = a.total_bits() > b.total_bits() ? a.total_bits() : b.total_bits();
  return bits > 16 ? WidthClass::bits32 : bits > 8 ? WidthClass::bits16 : WidthClass::bits8;
}
// Bytes one element occupies in SRAM and DRAM: whole bytes (an e4m3 element is 1 byte, fp16 2).
constexpr std::int64_t element_bytes(const FloatFormat& f) { return (f.total_bits() + 7) / 8; }

struct MacLanes {
  std::array<int, 3> per_class = {1, 1, 1};  // indexed by WidthClass
  constexpr int operator[](WidthClass w) const { return per_class[static_cast<std::size_t>(w)]; }
  constexpr int& operator[](WidthClass w) { return per_class[static_cast<std::size_t>(w)]; }
};

struct ArrayConfig {
  int rows = 16;  // R
  int cols = 16;  // C
  Dataflow dataflow = Dataflow::os;
  int mac_latency = 1;  // product registers between multiplier and adder: rtl/'s NumPipeRegs (P)
  MacLanes lanes;
  FloatFormat accumulator = formats::fp32;
};

// One on-chip buffer (A: the M x K operand, "ifmap" in SCALE-Sim; B: K x N, "filter";
// C: M x N, "ofmap").
struct SramConfig {
  std::int64_t capacity_bytes = 64 * 1024;
  int banks = 1;
  int bytes_per_cycle = 64;     // port width towards the array, all banks together
  bool double_buffered = true;  // half the capacity fills while the other half is read
  // Bytes one tile may occupy: half the buffer when double buffered.
  constexpr std::int64_t tile_capacity_bytes() const { return double_buffered ? capacity_bytes / 2 : capacity_bytes; }
};

struct DramConfig {
  double bandwidth_gbps = 25.6;  // GB/s, 10^9 bytes per second, reads and writes share it
  double latency_ns = 100.0;     // first byte of a transaction
  int burst_bytes = 64;          // transfers are whole bursts
  bool unlimited = false;        // no bandwidth limit (SCALE-Sim's InterfaceBandwidth: CALC)
};

struct HwConfig {
  std::string name;         // e.g. "edge_16x16"; the .cfg's run_name
  std::string source_path;  // the file it was read from ("" when built in code)
  ArrayConfig array;
  double clock_mhz = 1000.0;
  SramConfig sram_a, sram_b, sram_c;
  DramConfig dram;
  TimingMode timing = TimingMode::mpsim;
  // Energy table file (configs/energy/*.yaml), resolved against the hw file's directory;
  // "" means the caller supplies one.
  std::string energy_table_path;

  double cycle_ns() const { return 1000.0 / clock_mhz; }
  // DRAM bandwidth and latency in array cycles: the unit sim/ keeps time in.
  double dram_bytes_per_cycle() const { return dram.bandwidth_gbps * cycle_ns(); }
  double dram_latency_cycles() const { return dram.latency_ns / cycle_ns(); }
};

// Every config error: one line, "FILE: key 'x': what is allowed" (or "FILE: what is wrong"
// for a file that cannot be read or parsed).
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// By extension: `.yaml`/`.yml` is mpsim's format (docs/SIM.md), `.cfg` SCALE-Sim v2's
// (ArrayHeight, ArrayWidth, IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, Dataflow, Bandwidth
// in words per cycle, MemoryBanks, InterfaceBandwidth CALC|USER, ...; one byte per word, 1 kB =
// 1024 bytes, clock 1000 MHz so that a word per cycle is 1 GB/s; timing mode scalesim).
// Throws ConfigError.
HwConfig load_hw_config(const std::string& path);
// The same from an open stream; `path` names it in errors and its extension picks the format.
HwConfig read_hw_config(std::istream& in, const std::string& path);

// Checks the invariants load_hw_config enforces on a config built in code (tests, the CLI's
// overrides); throws ConfigError naming `where`.
void validate_hw_config(const HwConfig& hw, const std::string& where);

// The Verilator -G parameters that build rtl/'s mpsim_array_top for this array (rtl/README.md
// "Parameters"), so the RTL and the model are built from one description (STYLE.md 10):
// "-GNumRows=R -GNumCols=C -GNumPipeRegs=P -GAccFmt=A -GFmtMask=31". Throws ConfigError when
// the array is not one rtl/ can build (ws/is, an accumulator other than fp32, fp16 or bf16).
std::string verilator_params(const HwConfig& hw);

}  // namespace mpsim::sim
