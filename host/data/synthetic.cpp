#include "host/data/synthetic.hpp"

#include <cmath>
#include <numbers>

#include "model/philox.hpp"

namespace mpsim::host::data {
namespace {

// Uniform in [0, 1) from the counter-based generator: reproducible whatever the call order.
double uniform(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  return (random_bits(seed, stream, index) + 0.5) * 0x1p-32;
}
double normal(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  // Box-Muller on two uniforms.
  const double u1 = uniform(seed, stream, 2 * index), u2 = uniform(seed, stream, 2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

constexpr int kBlobs = 3;
constexpr double kNoise = 0.6, kBlobSigma = 3.0;
// Streams of the generator: prototypes, then one stream per sample for labels, shifts, noise.
constexpr std::uint64_t kPrototypeStream = 0xC1A55;

}  // namespace

Dataset make_synthetic(std::int64_t count, std::uint64_t seed, std::uint64_t stream) {
  constexpr int S = kSyntheticSide, P = S * S;
  // Class prototypes: kBlobs Gaussian bumps each, centres in [4, 24), signed amplitudes.
  std::vector<double> proto(std::size_t{kSyntheticClasses} * P, 0.0);
  for (int c = 0; c < kSyntheticClasses; ++c) {
    for (int b = 0; b < kBlobs; ++b) {
      const std::uint64_t base = static_cast<std::uint64_t>(c * kBlobs + b) * 3;
      const double cy = 4 + 20 * uniform(seed, kPrototypeStream, base);
      const double cx = 4 + 20 * uniform(seed, kPrototypeStream, base + 1);
      const double amp = uniform(seed, kPrototypeStream, base + 2) < 0.5 ? -1.0 : 1.0;
      for (int y = 0; y < S; ++y)
        for (int x = 0; x < S; ++x) {
          const double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
          proto[std::size_t(c) * P + std::size_t(y) * S + x] += amp * std::exp(-d2 / (2 * kBlobSigma * kBlobSigma));
        }
    }
  }
  Dataset d;
  d.name = "synthetic";
  d.count = count;
  d.channels = 1;
  d.height = d.width = S;
  d.classes = kSyntheticClasses;
  d.images.resize(static_cast<std::size_t>(count) * P);
  d.labels.resize(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    // Per-sample stream: high bits the split, low bits the sample.
    const std::uint64_t s = (stream + 1) << 40 | static_cast<std::uint64_t>(i);
    const int label = static_cast<int>(random_bits(seed, s, 0) % kSyntheticClasses);
    const int dy = static_cast<int>(random_bits(seed, s, 1) % 3) - 1, dx = static_cast<int>(random_bits(seed, s, 2) % 3) - 1;
    const double contrast = 0.7 + 0.6 * uniform(seed, s, 3);
    d.labels[std::size_t(i)] = label;
    float* img = d.images.data() + static_cast<std::size_t>(i) * P;
    for (int y = 0; y < S; ++y)
      for (int x = 0; x < S; ++x) {
        const int sy = y - dy, sx = x - dx;
        const double v = (sy >= 0 && sy < S && sx >= 0 && sx < S) ? proto[std::size_t(label) * P + std::size_t(sy) * S + sx] : 0.0;
        img[y * S + x] = static_cast<float>(contrast * v + kNoise * normal(seed, s, 4 + std::uint64_t(y * S + x)));
      }
  }
  return d;
}

}  // namespace mpsim::host::data
