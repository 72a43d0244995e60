// libFuzzer target: a workload file (JSON lines, model/workload.hpp) through model/'s reader.
// WorkloadError is the reader's answer to bad input. What it accepts must survive a write and a
// second read unchanged (the stream is how sim/ runs without training).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "model/workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  mpsim::Workload w;
  try {
    w = mpsim::read_workload(in, "fuzz.jsonl");
  } catch (const mpsim::WorkloadError&) {
    return 0;
  }
  (void)w.macs();
  std::stringstream again;
  mpsim::write_workload(again, w);
  if (!(mpsim::read_workload(again, "rewritten.jsonl") == w)) {
    std::fprintf(stderr, "workload changed through write_workload and read_workload\n");
    std::abort();
  }
  return 0;
}
