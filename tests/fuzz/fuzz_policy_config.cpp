// libFuzzer target: the `policy:` node of a training config through host/config's policy
// reader. The YAML text is parsed here (a syntax error is the harness's, not the reader's);
// ConfigFieldError is the reader's answer to a bad policy.
#include <cstdint>
#include <string>

#include <yaml-cpp/yaml.h>

#include "host/config/policy_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const YAML::ParserException&) {
    return 0;
  }
  try {
    (void)mpsim::host::parse_policy_config(node, "fuzz.yaml");
  } catch (const mpsim::host::ConfigFieldError&) {
  }
  return 0;
}
