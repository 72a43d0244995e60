// Mini-batches whose order and augmentation are pure functions of (seed, epoch, position):
// a run resumed at epoch e draws exactly what an uninterrupted run draws (issue 7).
#include <algorithm>
#include <cstring>

#include "host/data/dataset.hpp"
#include "model/philox.hpp"

namespace mpsim::host::data {
namespace {

// Philox streams: the permutation of epoch e uses stream 2e, augmentation stream 2e+1.
std::uint64_t shuffle_stream(int epoch) { return 2 * static_cast<std::uint64_t>(epoch); }
std::uint64_t augment_stream(int epoch) { return 2 * static_cast<std::uint64_t>(epoch) + 1; }

// Uniform integer in [0, n) from 32 random bits (Lemire's multiply-shift; n < 2^32, and the
// bias, below n / 2^32, is negligible for shuffling).
std::uint64_t below(std::uint32_t bits, std::uint64_t n) { return (std::uint64_t{bits} * n) >> 32; }

}  // namespace

BatchIterator::BatchIterator(const Dataset& dataset, std::int64_t batch, std::uint64_t seed, bool augment,
                             int crop_padding)
    : dataset_(&dataset), batch_(batch), seed_(seed), augment_(augment), crop_padding_(crop_padding) {
  if (batch <= 0) throw DataError("batch size must be positive");
  if (crop_padding < 0) throw DataError("crop padding must not be negative");
  order_.resize(static_cast<std::size_t>(dataset.count));
  start_epoch(0);
}

void BatchIterator::start_epoch(int epoch) {
  epoch_ = epoch;
  position_ = 0;
  // Fisher-Yates from the identity, so the permutation depends on (seed, epoch) only.
  for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<std::int64_t>(i);
  const std::uint64_t stream = shuffle_stream(epoch);
  for (std::size_t i = order_.size(); i > 1; --i) {
    const std::uint32_t bits = random_bits(seed_, stream, order_.size() - i);
    std::swap(order_[i - 1], order_[below(bits, i)]);
  }
}

std::int64_t BatchIterator::batches_per_epoch() const { return (dataset_->count + batch_ - 1) / batch_; }

bool BatchIterator::next(std::vector<float>& images, std::vector<std::int32_t>& labels) {
  const Dataset& d = *dataset_;
  if (position_ >= d.count) return false;
  const std::int64_t n = std::min(batch_, d.count - position_);
  const std::int64_t size = d.image_size();
  images.resize(static_cast<std::size_t>(n * size));
  labels.resize(static_cast<std::size_t>(n));
  const int C = d.channels, H = d.height, W = d.width;
  for (std::int64_t b = 0; b < n; ++b) {
    const std::int64_t pos = position_ + b;
    const std::int64_t src_index = order_[static_cast<std::size_t>(pos)];
    const float* src = d.images.data() + src_index * size;
    float* dst = images.data() + b * size;
    labels[static_cast<std::size_t>(b)] = d.labels[static_cast<std::size_t>(src_index)];
    if (!augment_) {
      std::memcpy(dst, src, static_cast<std::size_t>(size) * sizeof(float));
      continue;
    }
    // Random crop: offset (oy, ox) in [-pad, pad] (an HxW window of the image zero-padded by
    // pad on each side, as torchvision's RandomCrop(32, padding=4) for CIFAR); flip with
    // probability 1/2.
    const std::uint32_t r = random_bits(seed_, augment_stream(epoch_), static_cast<std::uint64_t>(pos));
    const int pad = crop_padding_;
    const int oy = static_cast<int>(r % static_cast<std::uint32_t>(2 * pad + 1)) - pad;
    const int ox = static_cast<int>((r >> 8) % static_cast<std::uint32_t>(2 * pad + 1)) - pad;
    const bool flip = (r >> 16) & 1u;
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y) {
        const int sy = y + oy;
        float* row = dst + (std::int64_t{c} * H + y) * W;
        if (sy < 0 || sy >= H) {
          std::fill(row, row + W, 0.0f);  // padding is zero in normalised units (the mean)
          continue;
        }
        const float* srow = src + (std::int64_t{c} * H + sy) * W;
        // Output x reads source x + ox (flipped: W - 1 - x + ox): one contiguous run of valid
        // x, [lo, hi), with zero padding around it.
        // (Clamped: a padding wider than the image leaves no valid x at some offsets.)
        const int lo = std::min(W, flip ? std::max(0, ox) : std::max(0, -ox));
        const int hi = std::max(lo, flip ? std::min(W, W + ox) : std::min(W, W - ox));
        std::fill(row, row + lo, 0.0f);
        std::fill(row + hi, row + W, 0.0f);
        if (!flip)
          std::memcpy(row + lo, srow + lo + ox, static_cast<std::size_t>(hi - lo) * sizeof(float));
        else
          for (int x = lo; x < hi; ++x) row[x] = srow[W - 1 - x + ox];
      }
  }
  position_ += n;
  return true;
}

}  // namespace mpsim::host::data
