// libFuzzer target: IDX image and label files (host/data/idx_reader.hpp), as bytes after gzip.
// DataError is the reader's answer to bad input; the same bytes go through both readers.
#include <cstdint>
#include <string>
#include <vector>

#include "host/data/dataset.hpp"
#include "host/data/idx_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  using mpsim::host::data::DataError;
  try {
    (void)mpsim::host::data::parse_idx_images(bytes, "fuzz-images-idx3-ubyte");
  } catch (const DataError&) {
  }
  try {
    (void)mpsim::host::data::parse_idx_labels(bytes, "fuzz-labels-idx1-ubyte", 10);
  } catch (const DataError&) {
  }
  return 0;
}
