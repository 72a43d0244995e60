// libFuzzer target: an mpsim hw config (configs/hw/*.yaml) through sim/'s reader. ConfigError is
// the reader's answer to bad input; anything else escaping, or a sanitizer report, is a bug.
#include <cstdint>
#include <sstream>
#include <string>

#include "sim/hw_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const mpsim::sim::HwConfig hw = mpsim::sim::read_hw_config(in, "fuzz.yaml");
    // What the reader accepts, the invariant check (used on configs built in code) accepts too.
    mpsim::sim::validate_hw_config(hw, "fuzz.yaml");
  } catch (const mpsim::sim::ConfigError&) {
  }
  return 0;
}
