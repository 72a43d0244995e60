// CIFAR-10 and CIFAR-100 "binary version" files (https://www.cs.toronto.edu/~kriz/cifar.html):
// fixed-size records, no header.
//
//   dataset    record                                            files
//   CIFAR-10   1 label byte, 3072 pixel bytes (1024 R, G, B)     data_batch_1..5.bin, test_batch.bin
//   CIFAR-100  coarse label, fine label, 3072 pixel bytes        train.bin, test.bin
//
// Pixels are channel-major 32x32 planes, i.e. already CHW. CIFAR-100 uses the fine labels (100).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mpsim::host::data {

enum class CifarKind : std::uint8_t { cifar10, cifar100 };

struct CifarImages {
  std::int64_t count = 0;
  std::vector<std::uint8_t> pixels;  // count * 3 * 32 * 32, CHW per image
  std::vector<std::int32_t> labels;
};

inline constexpr int kCifarSide = 32, kCifarChannels = 3;
inline constexpr std::size_t kCifarPixels = std::size_t{kCifarChannels} * kCifarSide * kCifarSide;

// Appends the records of one file to `out`. Throws DataError: size not a whole number of
// records (truncated), or a label outside [0, classes).
void read_cifar_file(const std::string& path, CifarKind kind, CifarImages& out);
// The same from the file's (decompressed) bytes; `path` names them in errors.
void parse_cifar_bytes(const std::vector<std::uint8_t>& bytes, const std::string& path, CifarKind kind,
                       CifarImages& out);

// The file names of a split, in the order they are concatenated.
std::vector<std::string> cifar_files(CifarKind kind, bool train);

}  // namespace mpsim::host::data
