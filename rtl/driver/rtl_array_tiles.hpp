// The plain C++ Verilated array that `mpsim verify` runs (rtl/CMakeLists.txt:
// mpsim_rtl_array_cpp, built only with Verilator): the same configuration as the SystemC
// engine's build (MPSIM_RTL_CPP_*: 4x4, one product register, fp32 accumulation, every input
// format), behind a small interface so that its users need no Verilator headers.
#pragma once

#include <cstdint>
#include <memory>

#include "rtl/driver/array_tile_driver.hpp"

namespace mpsim::rtl_driver {

class RtlArrayTiles {
 public:
  static constexpr int kRows = MPSIM_RTL_CPP_ROWS, kCols = MPSIM_RTL_CPP_COLS;
  static constexpr int kPipeRegs = MPSIM_RTL_CPP_PIPE_REGS;
  static constexpr int kFmtMask = MPSIM_RTL_CPP_FMT_MASK;  // bit c: format code c is built
  static constexpr int kAccFmt = MPSIM_RTL_CPP_ACC_FMT;    // the accumulator's format code

  explicit RtlArrayTiles(std::uint64_t seed = 1);
  ~RtlArrayTiles();
  RtlArrayTiles(const RtlArrayTiles&) = delete;
  RtlArrayTiles& operator=(const RtlArrayTiles&) = delete;

  ArrayTileResult run(const ArrayTile& tile);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpsim::rtl_driver
