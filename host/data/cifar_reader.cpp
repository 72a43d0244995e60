#include "host/data/cifar_reader.hpp"

#include <fmt/core.h>

#include "host/data/dataset.hpp"
#include "host/data/file_bytes.hpp"

namespace mpsim::host::data {

void read_cifar_file(const std::string& path, CifarKind kind, CifarImages& out) {
  parse_cifar_bytes(read_file_bytes(path), path, kind, out);
}

void parse_cifar_bytes(const std::vector<std::uint8_t>& bytes, const std::string& path, CifarKind kind,
                       CifarImages& out) {
  const std::size_t label_bytes = kind == CifarKind::cifar10 ? 1 : 2;
  const std::size_t record = label_bytes + kCifarPixels;
  const int classes = kind == CifarKind::cifar10 ? 10 : 100;
  if (bytes.empty() || bytes.size() % record != 0)
    throw DataError(fmt::format("{}: truncated: {} bytes is not a whole number of {}-byte records", path, bytes.size(), record));
  const std::size_t n = bytes.size() / record;
  out.pixels.reserve(out.pixels.size() + n * kCifarPixels);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* rec = bytes.data() + i * record;
    // CIFAR-100: byte 0 is the coarse (20-class) label, byte 1 the fine label used here.
    const int label = rec[label_bytes - 1];
    if (label >= classes)
      throw DataError(fmt::format("{}: label {} of record {} is outside [0, {})", path, label, i, classes));
    if (kind == CifarKind::cifar100 && rec[0] >= 20)
      throw DataError(fmt::format("{}: coarse label {} of record {} is outside [0, 20)", path, rec[0], i));
    out.labels.push_back(label);
    out.pixels.insert(out.pixels.end(), rec + label_bytes, rec + record);
  }
  out.count += static_cast<std::int64_t>(n);
}

std::vector<std::string> cifar_files(CifarKind kind, bool train) {
  if (kind == CifarKind::cifar100) return {train ? "train.bin" : "test.bin"};
  if (!train) return {"test_batch.bin"};
  return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
}

}  // namespace mpsim::host::data
