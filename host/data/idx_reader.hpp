// IDX files (LeCun's MNIST format, also Fashion-MNIST): a big-endian header, then raw bytes.
//
//   offset  field
//   0       magic: 0x00 0x00 type dims   (type 0x08 = unsigned byte; dims 3 for images, 1 labels)
//   4       dimension sizes, one big-endian uint32 each (images: count, rows, cols; labels: count)
//   4+4*d   count * rows * cols pixels (or count labels), one byte each
//
// Files may be gzipped or not (zlib reads both).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpsim::host::data {

struct IdxImages {
  std::int64_t count = 0;
  int rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major
};

// Throw DataError, one line naming the file: wrong magic, truncated, trailing bytes.
IdxImages read_idx_images(const std::string& path);
// Labels must lie in [0, classes): a label beyond it names its index ("mislabeled").
std::vector<std::int32_t> read_idx_labels(const std::string& path, int classes);
// The same from the file's (decompressed) bytes; `path` names them in errors.
IdxImages parse_idx_images(const std::vector<std::uint8_t>& bytes, const std::string& path);
std::vector<std::int32_t> parse_idx_labels(const std::vector<std::uint8_t>& bytes, const std::string& path, int classes);

}  // namespace mpsim::host::data
