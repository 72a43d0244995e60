#include "host/data/idx_reader.hpp"

#include <fmt/core.h>

#include "host/data/dataset.hpp"
#include "host/data/file_bytes.hpp"

namespace mpsim::host::data {
namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned byte, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned byte, 1 dimension

// Checks the magic and that the payload after `header` bytes is exactly `payload` bytes.
void check_layout(const std::string& path, const std::vector<std::uint8_t>& bytes, std::size_t header,
                  std::uint64_t payload, const char* what) {
  const std::uint64_t want = header + payload;
  if (bytes.size() < want)
    throw DataError(fmt::format("{}: truncated {} file: {} bytes, the header announces {}", path, what, bytes.size(), want));
  if (bytes.size() > want)
    throw DataError(fmt::format("{}: {} file has {} bytes after the {} the header announces", path, what,
                                bytes.size() - want, want));
}

void check_magic(const std::string& path, const std::vector<std::uint8_t>& bytes, std::uint32_t magic, const char* what) {
  if (bytes.size() < 4) throw DataError(fmt::format("{}: truncated {} file: {} bytes, no IDX header", path, what, bytes.size()));
  const std::uint32_t got = read_be32(bytes, 0);
  if (got != magic)
    throw DataError(fmt::format("{}: wrong magic 0x{:08x} for an IDX {} file (expected 0x{:08x})", path, got, what, magic));
}

}  // namespace

IdxImages read_idx_images(const std::string& path) { return parse_idx_images(read_file_bytes(path), path); }

std::vector<std::int32_t> read_idx_labels(const std::string& path, int classes) {
  return parse_idx_labels(read_file_bytes(path), path, classes);
}

IdxImages parse_idx_images(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  check_magic(path, bytes, kImagesMagic, "images");
  if (bytes.size() < 16) throw DataError(fmt::format("{}: truncated images file: {} bytes, the header needs 16", path, bytes.size()));
  IdxImages out;
  const std::uint32_t count = read_be32(bytes, 4), rows = read_be32(bytes, 8), cols = read_be32(bytes, 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
    throw DataError(fmt::format("{}: implausible image size {}x{}", path, rows, cols));
  check_layout(path, bytes, 16, std::uint64_t{count} * rows * cols, "images");
  out.count = count;
  out.rows = static_cast<int>(rows);
  out.cols = static_cast<int>(cols);
  out.pixels.assign(bytes.begin() + 16, bytes.end());
  return out;
}

std::vector<std::int32_t> parse_idx_labels(const std::vector<std::uint8_t>& bytes, const std::string& path,
                                           int classes) {
  check_magic(path, bytes, kLabelsMagic, "labels");
  if (bytes.size() < 8) throw DataError(fmt::format("{}: truncated labels file: {} bytes, the header needs 8", path, bytes.size()));
  const std::uint32_t count = read_be32(bytes, 4);
  check_layout(path, bytes, 8, count, "labels");
  std::vector<std::int32_t> labels(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const int label = bytes[8 + i];
    if (label >= classes)
      throw DataError(fmt::format("{}: label {} of item {} is outside [0, {})", path, label, i, classes));
    labels[i] = label;
  }
  return labels;
}

}  // namespace mpsim::host::data
