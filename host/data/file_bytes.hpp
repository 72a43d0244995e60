// Whole-file reads for the dataset loaders. zlib's gzread reads gzip files and, transparently,
// plain files too, so one routine serves "train-images-idx3-ubyte.gz" and its gunzipped copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mpsim::host::data {

// The file's bytes (decompressed when it is gzip). Throws DataError "FILE: cannot open" or
// "FILE: corrupt gzip stream (...)" on one line.
// Files that decompress to more than kMaxFileBytes are refused the same way.
inline constexpr std::size_t kMaxFileBytes = std::size_t{1} << 30;
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

// Big-endian 32-bit integer at `offset` (IDX headers); the caller checks the size first.
std::uint32_t read_be32(const std::vector<std::uint8_t>& bytes, std::size_t offset);

// The first of `candidates` (file names under `dir`) that exists; "" when none does.
std::string find_first_existing(const std::string& dir, const std::vector<std::string>& candidates);

}  // namespace mpsim::host::data
