// libFuzzer target: an energy table (configs/energy/*.yaml) through sim/'s reader. ConfigError is
// the reader's answer to bad input; anything else escaping, or a sanitizer report, is a bug.
#include <cstdint>
#include <sstream>
#include <string>

#include "sim/energy_table.hpp"
#include "sim/hw_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const mpsim::sim::EnergyTable t = mpsim::sim::read_energy_table(in, "fuzz.yaml");
    // The lookups a simulation makes, at the edges of the table's capacity range.
    (void)t.add_pj(mpsim::formats::fp32);
    (void)t.sram_pj_per_byte(1), (void)t.sram_pj_per_byte(std::int64_t{1} << 40);
    (void)t.dram_pj_per_byte();
  } catch (const mpsim::sim::ConfigError&) {
  } catch (const std::out_of_range&) {  // documented: no add entry wide enough for fp32
  }
  return 0;
}
