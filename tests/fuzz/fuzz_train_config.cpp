// libFuzzer target: a training config (configs/train/*.yaml) through host/config's reader, policy
// included. ConfigFieldError is the reader's answer to bad input.
#include <cstdint>
#include <sstream>
#include <string>

#include "host/config/train_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    (void)mpsim::host::read_train_config(in, "fuzz.yaml", {});
  } catch (const mpsim::host::ConfigFieldError&) {
  }
  return 0;
}
