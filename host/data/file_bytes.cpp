#include "host/data/file_bytes.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <zlib.h>

#include "host/data/dataset.hpp"

namespace mpsim::host::data {

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw DataError(path + ": no such file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw DataError(path + ": cannot open");
  gzbuffer(f, 1 << 17);
  std::vector<std::uint8_t> bytes;
  constexpr unsigned kChunk = 1u << 20;
  for (;;) {
    const std::size_t old = bytes.size();
    // A few kB of gzip can inflate to terabytes; the largest file mpsim reads (CIFAR-100's
    // train.bin, 154 MB) is far below the cap, so stop there instead of exhausting memory.
    if (old >= kMaxFileBytes) {
      gzclose(f);
      throw DataError(fmt::format("{}: more than {} MiB once decompressed; no dataset file mpsim reads is that large",
                                  path, kMaxFileBytes >> 20));
    }
    bytes.resize(old + kChunk);
    const int got = gzread(f, bytes.data() + old, kChunk);
    if (got < 0) {
      int errnum = 0;
      const std::string why = gzerror(f, &errnum);
      gzclose(f);
      throw DataError(path + ": corrupt gzip stream (" + why + ")");
    }
    bytes.resize(old + static_cast<std::size_t>(got));
    if (got == 0) break;
  }
  // A gzip stream cut short reads as far as it goes and then reports Z_BUF_ERROR at close.
  int errnum = 0;
  const std::string why = gzerror(f, &errnum);
  const int closed = gzclose(f);
  if (errnum != Z_OK || closed != Z_OK)
    throw DataError(path + ": truncated or corrupt gzip stream (" + (errnum != Z_OK ? why : "unexpected end of file") + ")");
  return bytes;
}

std::uint32_t read_be32(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
         (std::uint32_t{bytes[offset + 2]} << 8) | std::uint32_t{bytes[offset + 3]};
}

std::string find_first_existing(const std::string& dir, const std::vector<std::string>& candidates) {
  std::error_code ec;
  for (const std::string& name : candidates) {
    const std::filesystem::path p = std::filesystem::path(dir) / name;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

}  // namespace mpsim::host::data
