// libFuzzer target: a SCALE-Sim v2 `.cfg` (configs/hw/scalesim_32x32.cfg) through sim/'s reader. ConfigError is
// the reader's answer to bad input; anything else escaping, or a sanitizer report, is a bug.
#include <cstdint>
#include <sstream>
#include <string>

#include "sim/hw_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const mpsim::sim::HwConfig hw = mpsim::sim::read_hw_config(in, "fuzz.cfg");
    // What the reader accepts, the invariant check (used on configs built in code) accepts too.
    mpsim::sim::validate_hw_config(hw, "fuzz.cfg");
  } catch (const mpsim::sim::ConfigError&) {
  }
  return 0;
}
