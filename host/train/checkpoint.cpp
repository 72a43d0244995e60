#include "host/train/checkpoint.hpp"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/atomic_file.hpp"

namespace mpsim::host::train {
namespace {

constexpr char kMagic[8] = {'M', 'P', 'S', 'I', 'M', 'C', 'K', 'P'};
constexpr std::uint32_t kVersion = 1;
enum Tag : std::uint32_t { kFingerprint = 1, kRunState, kTensors, kBnStats, kScaler, kAssignment, kPolicy };
constexpr std::uint32_t kTags[] = {kFingerprint, kRunState, kTensors, kBnStats, kScaler, kAssignment, kPolicy};

std::uint32_t crc(const std::string& bytes) {
  return static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// Little-endian on the machines mpsim runs on (x86-64, aarch64); raw copies keep floats exact.
class Writer {
 public:
  template <typename T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void str(const std::string& s) {
    put<std::uint64_t>(s.size());
    out_ += s;
  }
  template <typename T>
  void vec(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string& bytes, std::string what) : in_(bytes), what_(std::move(what)) {}
  template <typename T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string str() {
    const auto n = get<std::uint64_t>();
    need(n);
    std::string s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // `n` raw bytes (a section's payload).
  std::string raw(std::uint64_t n) {
    need(n);
    std::string s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // An element count, each element taking at least `min_bytes` of what is left: a count the
  // rest of the section cannot hold is corrupt, and is refused before anything is allocated.
  std::size_t count(std::size_t min_bytes) {
    const auto n = get<std::uint64_t>();
    if (n > (in_.size() - pos_) / min_bytes) fail();
    return n;
  }
  bool at_end() const { return pos_ == in_.size(); }
  template <typename T>
  std::vector<T> vec() {
    const auto n = get<std::uint64_t>();
    if (n > in_.size() / sizeof(T) + 1) fail();
    need(n * sizeof(T));
    std::vector<T> v(n);
    // An empty vector's data() may be null, and memcpy from or to null is undefined even for 0
    // bytes (UBSan's report under tests/fuzz, on an empty list in the seed checkpoint).
    if (n > 0) std::memcpy(v.data(), in_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }

 private:
  void need(std::uint64_t n) {
    if (n > in_.size() - pos_) fail();  // not pos_ + n, which wraps for a corrupt n near 2^64
  }
  [[noreturn]] void fail() { throw CheckpointError(what_ + ": section is truncated"); }
  const std::string& in_;
  std::string what_;
  std::size_t pos_ = 0;
};

void put_format(Writer& w, const FloatFormat& f) {
  w.put<std::int32_t>(f.exp_bits), w.put<std::int32_t>(f.man_bits), w.put<std::int32_t>(f.bias);
  w.put<std::uint8_t>(static_cast<std::uint8_t>(f.specials)), w.put<std::uint8_t>(f.subnormals ? 1 : 0);
}
FloatFormat get_format(Reader& r, const std::string& path) {
  FloatFormat f;
  f.exp_bits = r.get<std::int32_t>(), f.man_bits = r.get<std::int32_t>(), f.bias = r.get<std::int32_t>();
  const auto specials = r.get<std::uint8_t>();
  f.subnormals = r.get<std::uint8_t>() != 0;
  // is_supported() computes emax and emin from the bias; a corrupt bias near INT_MIN would
  // overflow there, so the bias is bounded first (any supported format's bias is far inside).
  const bool bias_sane = f.bias > -4 * kMaxAbsExponent && f.bias < 4 * kMaxAbsExponent;
  const auto unsupported = [&] {
    return CheckpointError(path + ": section " + std::to_string(kAssignment) + " holds an unsupported float format");
  };
  if (specials > static_cast<std::uint8_t>(Specials::none) || !bias_sane) throw unsupported();
  f.specials = static_cast<Specials>(specials);
  if (!is_supported(f)) throw unsupported();
  return f;
}
template <typename Enum>
Enum get_enum(Reader& r, Enum last, const std::string& path) {
  const auto v = r.get<std::uint8_t>();
  if (v > static_cast<std::uint8_t>(last))
    throw CheckpointError(path + ": section " + std::to_string(kAssignment) + " holds an unknown rounding or overflow code");
  return static_cast<Enum>(v);
}

std::string encode_state(const RunState& s) {
  Writer w;
  w.put<std::int32_t>(s.epochs_done), w.put(s.step), w.put(s.optimizer_steps);
  w.str(s.status), w.str(s.divergence_reason);
  w.vec(s.epochs);  // EpochMetrics is trivially copyable (numbers only)
  w.put<std::uint64_t>(s.tensor_stats.size());
  for (const auto& e : s.tensor_stats) w.vec(e);
  w.put<std::uint64_t>(s.promotions.size());
  for (const auto& p : s.promotions) {
    w.put(p.step), w.put<std::int32_t>(p.epoch), w.put(p.overflow_fraction);
    w.str(p.tensor), w.str(p.from), w.str(p.to);
  }
  return w.bytes();
}
RunState decode_state(Reader& r) {
  RunState s;
  s.epochs_done = r.get<std::int32_t>();
  s.step = r.get<std::int64_t>(), s.optimizer_steps = r.get<std::int64_t>();
  s.status = r.str(), s.divergence_reason = r.str();
  s.epochs = r.vec<EpochMetrics>();
  s.tensor_stats.resize(r.count(sizeof(std::uint64_t)));
  for (auto& e : s.tensor_stats) e = r.vec<TensorEpochStats>();
  // A promotion: step, epoch, fraction and three string lengths at least.
  s.promotions.resize(r.count(8 + 4 + 8 + 3 * 8));
  for (auto& p : s.promotions) {
    p.step = r.get<std::int64_t>(), p.epoch = r.get<std::int32_t>(), p.overflow_fraction = r.get<double>();
    p.tensor = r.str(), p.from = r.str(), p.to = r.str();
  }
  return s;
}
static_assert(std::is_trivially_copyable_v<EpochMetrics> && std::is_trivially_copyable_v<TensorEpochStats>);

}  // namespace

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  std::vector<std::pair<std::uint32_t, std::string>> sections;
  sections.emplace_back(kFingerprint, c.fingerprint);
  sections.emplace_back(kRunState, encode_state(c.state));
  {
    Writer w;
    w.put<std::uint64_t>(c.tensors.size());
    for (const auto& t : c.tensors) w.vec(t);
    sections.emplace_back(kTensors, w.bytes());
  }
  {
    Writer w;
    w.put<std::uint64_t>(c.bn_stats.size());
    for (const auto& t : c.bn_stats) w.vec(t);
    sections.emplace_back(kBnStats, w.bytes());
  }
  {
    Writer w;
    w.put(c.scaler.scale), w.put(c.scaler.clean_steps), w.put(c.scaler.skipped), w.put(c.scaler.changes);
    sections.emplace_back(kScaler, w.bytes());
  }
  {
    Writer w;
    put_format(w, c.assignment.accumulator);
    w.put<std::uint64_t>(c.assignment.tensors.size());
    for (const auto& p : c.assignment.tensors) {
      put_format(w, p.format);
      w.put<std::uint8_t>(static_cast<std::uint8_t>(p.rounding)), w.put<std::uint8_t>(static_cast<std::uint8_t>(p.overflow));
      w.put(p.scale), w.put<std::uint8_t>(p.keep_fp32 ? 1 : 0);
    }
    sections.emplace_back(kAssignment, w.bytes());
  }
  {
    Writer w;
    w.vec(c.policy_state);
    sections.emplace_back(kPolicy, w.bytes());
  }
  Writer file;
  file.bytes().append(kMagic, sizeof kMagic);
  file.put(kVersion);
  file.put<std::uint32_t>(static_cast<std::uint32_t>(sections.size()));
  for (const auto& [tag, payload] : sections) {
    file.put(tag);
    file.put<std::uint64_t>(payload.size());
    file.bytes() += payload;
    file.put(crc(payload));
  }
  file.put(crc(file.bytes()));
  write_file_atomically(path, file.bytes());
}

Checkpoint read_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(path + ": no checkpoint to resume from");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_checkpoint(ss.str(), path);
}

Checkpoint parse_checkpoint(const std::string& bytes, const std::string& path) {
  if (bytes.size() < sizeof kMagic + 12 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw CheckpointError(path + ": not an mpsim checkpoint (bad magic)");
  const std::string body = bytes.substr(0, bytes.size() - 4);
  std::uint32_t file_crc;
  std::memcpy(&file_crc, bytes.data() + bytes.size() - 4, 4);
  if (crc(body) != file_crc) throw CheckpointError(path + ": checksum mismatch (truncated or corrupted file)");
  Reader r(body, path);
  for (std::size_t i = 0; i < sizeof kMagic; ++i) r.get<char>();
  const auto version = r.get<std::uint32_t>();
  if (version != kVersion)
    throw CheckpointError(path + ": checkpoint version " + std::to_string(version) + ", this mpsim reads version " +
                          std::to_string(kVersion));
  const auto count = r.get<std::uint32_t>();
  Checkpoint c;
  std::vector<bool> seen(16, false);
  for (std::uint32_t s = 0; s < count; ++s) {
    const auto tag = r.get<std::uint32_t>();
    const auto n = r.get<std::uint64_t>();
    const std::string payload = r.raw(n);
    if (r.get<std::uint32_t>() != crc(payload))
      throw CheckpointError(path + ": section " + std::to_string(tag) + " fails its checksum");
    Reader p(payload, path);
    switch (tag) {
      case kFingerprint: c.fingerprint = payload; break;
      case kRunState: c.state = decode_state(p); break;
      case kTensors: c.tensors.resize(p.count(8)); for (auto& t : c.tensors) t = p.vec<float>(); break;
      case kBnStats: c.bn_stats.resize(p.count(8)); for (auto& t : c.bn_stats) t = p.vec<float>(); break;
      case kScaler:
        c.scaler.scale = p.get<double>(), c.scaler.clean_steps = p.get<std::int64_t>();
        c.scaler.skipped = p.get<std::int64_t>(), c.scaler.changes = p.get<std::int64_t>();
        break;
      case kAssignment: {
        c.assignment.accumulator = get_format(p, path);
        // A tensor's precision: a format (14 bytes), rounding, overflow, scale, keep_fp32.
        c.assignment.tensors.resize(p.count(14 + 1 + 1 + 4 + 1));
        for (auto& t : c.assignment.tensors) {
          t.format = get_format(p, path);
          t.rounding = get_enum(p, Rounding::stochastic, path), t.overflow = get_enum(p, Overflow::infinity, path);
          t.scale = p.get<float>(), t.keep_fp32 = p.get<std::uint8_t>() != 0;
        }
        break;
      }
      case kPolicy: c.policy_state = p.vec<double>(); break;
      default: throw CheckpointError(path + ": unknown section " + std::to_string(tag));
    }
    // The writer writes exactly what the reader reads: leftover bytes mean a corrupt length.
    if (tag != kFingerprint && !p.at_end())
      throw CheckpointError(path + ": section " + std::to_string(tag) + " is longer than its contents");
    seen[tag] = true;
  }
  for (auto tag : kTags)
    if (!seen[tag]) throw CheckpointError(path + ": section " + std::to_string(tag) + " is missing");
  return c;
}

}  // namespace mpsim::host::train
