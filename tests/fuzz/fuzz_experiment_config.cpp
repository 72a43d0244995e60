// libFuzzer target: an experiment config (configs/experiments/*.yaml) through host/config's
// reader. The input poses as a file in configs/experiments/, so its relative paths reach the
// shipped training and hw configs. ConfigFieldError is the reader's answer to bad input.
#include <cstdint>
#include <sstream>
#include <string>

#include "host/config/experiment_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    (void)mpsim::host::read_experiment_config(in, MPSIM_SOURCE_DIR "/configs/experiments/fuzz.yaml");
  } catch (const mpsim::host::ConfigFieldError&) {
  }
  return 0;
}
