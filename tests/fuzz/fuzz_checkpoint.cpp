// libFuzzer target: a training checkpoint (host/train/checkpoint.hpp) through its reader.
// CheckpointError is the reader's answer to bad input.
//
// Every section and the whole file carry a CRC-32, and random mutations almost never keep them
// right, so most inputs would stop at the first checksum. Like other fuzzers of checksummed
// formats, the target first rewrites the CRCs it can find (walking the section headers as far as
// they fit) and the reader then sees a structurally consistent file; an odd first input byte
// skips the fix-up, so the checksum checks themselves are fuzzed too.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "host/train/checkpoint.hpp"

namespace {

std::uint32_t crc_of(const std::string& s, std::size_t pos, std::size_t n) {
  return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data() + pos), static_cast<uInt>(n)));
}

// Layout: "MPSIMCKP" u32 version, u32 count, per section u32 tag, u64 n, payload, u32 crc; u32 crc.
void fix_crcs(std::string& b) {
  if (b.size() < 20) return;
  std::size_t pos = 16;
  while (pos + 12 <= b.size() - 4) {
    std::uint64_t n;
    std::memcpy(&n, b.data() + pos + 4, 8);
    if (n > b.size() - 4 - (pos + 12) || b.size() - 4 - (pos + 12) - n < 4) break;
    const std::uint32_t c = crc_of(b, pos + 12, n);
    std::memcpy(b.data() + pos + 12 + n, &c, 4);
    pos += 12 + n + 4;
  }
  const std::uint32_t c = crc_of(b, 0, b.size() - 4);
  std::memcpy(b.data() + b.size() - 4, &c, 4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) fix_crcs(bytes);
  try {
    (void)mpsim::host::train::parse_checkpoint(bytes, "fuzz.ckpt");
  } catch (const mpsim::host::train::CheckpointError&) {
  }
  return 0;
}
