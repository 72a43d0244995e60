// libFuzzer target: CIFAR-10 and CIFAR-100 binary files (host/data/cifar_reader.hpp), as bytes
// after gzip. DataError is the reader's answer to bad input; the same bytes go through both kinds.
#include <cstdint>
#include <string>
#include <vector>

#include "host/data/cifar_reader.hpp"
#include "host/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mpsim::host::data;
  const std::vector<std::uint8_t> bytes(data, data + size);
  for (const CifarKind kind : {CifarKind::cifar10, CifarKind::cifar100}) {
    CifarImages out;
    try {
      parse_cifar_bytes(bytes, "fuzz_batch.bin", kind, out);
    } catch (const DataError&) {
    }
  }
  return 0;
}
