// libFuzzer target: a SCALE-Sim topology CSV (configs/topologies/*.csv) through sim/'s importer,
// as inference and as a training step. TopologyError is the importer's answer to bad input.
#include <cstdint>
#include <sstream>
#include <string>

#include "sim/scalesim_topology.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mpsim::sim::TopologyOptions options;
  for (const bool training : {false, true}) {
    options.training = training;
    options.conv_output = training ? mpsim::sim::ConvOutput::same : mpsim::sim::ConvOutput::scalesim;
    std::istringstream in(text);
    try {
      (void)mpsim::sim::read_scalesim_topology(in, "fuzz.csv", options).macs();
    } catch (const mpsim::sim::TopologyError&) {
    }
  }
  return 0;
}
