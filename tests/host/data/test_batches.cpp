// BatchIterator: the shuffle is a permutation fixed by (seed, epoch) alone, so a resumed run
// sees the same batches; augmentation (crop from the padded image, flip) keeps shapes and
// yields crops of the source; the synthetic dataset is seeded and class-dependent.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>

#include "host/data/dataset.hpp"

using namespace mpsim::host::data;

namespace {

// count images of C x H x W whose pixels encode (image, channel, y, x); label = image % 10.
Dataset indexed_dataset(std::int64_t count, int c, int h, int w) {
  Dataset d;
  d.name = "indexed";
  d.count = count;
  d.channels = c;
  d.height = h;
  d.width = w;
  d.classes = 10;
  for (std::int64_t i = 0; i < count; ++i) {
    d.labels.push_back(static_cast<std::int32_t>(i % 10));
    for (int k = 0; k < c * h * w; ++k) d.images.push_back(static_cast<float>(i * 10000 + k + 1));
  }
  return d;
}

std::vector<std::int32_t> epoch_labels(BatchIterator& it, int epoch, std::vector<float>* first_images = nullptr) {
  it.start_epoch(epoch);
  std::vector<float> img;
  std::vector<std::int32_t> lab, all;
  bool first = true;
  while (it.next(img, lab)) {
    all.insert(all.end(), lab.begin(), lab.end());
    if (first && first_images) *first_images = img;
    first = false;
  }
  return all;
}

}  // namespace

TEST_CASE("shuffle is a permutation, a pure function of (seed, epoch)", "[host][data]") {
  const Dataset d = indexed_dataset(1000, 1, 1, 1);  // image i holds the value i*10000+1
  BatchIterator a(d, 64, 42, false), b(d, 64, 42, false), c(d, 64, 43, false);
  CHECK(a.batches_per_epoch() == 16);  // 15 full batches and one of 40
  std::vector<float> img;
  std::vector<std::int32_t> lab;
  a.start_epoch(0);
  std::vector<std::int64_t> seen;
  std::int64_t batches = 0;
  while (a.next(img, lab)) {
    ++batches;
    CHECK(img.size() == lab.size());
    for (float v : img) seen.push_back(static_cast<std::int64_t>(v - 1) / 10000);
  }
  CHECK(batches == 16);
  CHECK(lab.size() == 1000 - 15 * 64);
  std::vector<std::int64_t> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 1000; ++i) CHECK(sorted[static_cast<std::size_t>(i)] == i);
  CHECK(seen != sorted);  // shuffled

  // Resume: b jumps straight to epoch 3; a walked through 0, 1, 2 first. Same batches.
  epoch_labels(a, 1);
  epoch_labels(a, 2);
  std::vector<float> fa, fb;
  const auto la = epoch_labels(a, 3, &fa), lb = epoch_labels(b, 3, &fb);
  CHECK(la == lb);
  CHECK(fa == fb);
  // Different epoch or seed: a different order.
  std::vector<float> f4, fc;
  epoch_labels(b, 4, &f4);
  epoch_labels(c, 3, &fc);
  CHECK(f4 != fb);
  CHECK(fc != fb);
}

TEST_CASE("augmentation: crops from the padded image and flips, shapes kept", "[host][data]") {
  const int C = 3, H = 8, W = 8;
  const int pad = GENERATE(4, 2, 0);  // CIFAR's 4; 0 is flip only
  INFO("crop padding " << pad);
  const Dataset d = indexed_dataset(64, C, H, W);
  BatchIterator it(d, 16, 5, true, pad);
  it.start_epoch(2);
  std::vector<float> img;
  std::vector<std::int32_t> lab;
  std::set<std::tuple<int, int, bool>> transforms;
  while (it.next(img, lab)) {
    REQUIRE(img.size() == lab.size() * C * H * W);
    for (std::size_t b = 0; b < lab.size(); ++b) {
      const float* out = img.data() + b * C * H * W;
      // The source image: the first non-zero pixel tells it (values encode the image index).
      const float any = *std::max_element(out, out + C * H * W);
      REQUIRE(any > 0);
      const std::int64_t src = static_cast<std::int64_t>(any - 1) / 10000;
      CHECK(lab[b] == src % 10);
      const float* in = d.images.data() + src * C * H * W;
      bool found = false;
      for (int oy = -pad; oy <= pad && !found; ++oy)
        for (int ox = -pad; ox <= pad && !found; ++ox)
          for (bool flip : {false, true}) {
            bool same = true;
            for (int c = 0; c < C && same; ++c)
              for (int y = 0; y < H && same; ++y)
                for (int x = 0; x < W && same; ++x) {
                  const int sy = y + oy, sx = (flip ? W - 1 - x : x) + ox;
                  const float want = (sy >= 0 && sy < H && sx >= 0 && sx < W) ? in[(c * H + sy) * W + sx] : 0.0f;
                  same = out[(c * H + y) * W + x] == want;
                }
            if (same) {
              found = true;
              transforms.insert({oy, ox, flip});
              break;
            }
          }
      CHECK(found);
    }
  }
  // The crops and flips vary: all 2 transforms of flip only, most of the 50 or 162 others.
  if (pad == 0) CHECK(transforms.size() == 2);
  else CHECK(transforms.size() > 10);
}

TEST_CASE("augmentation with a padding wider than the image: whole zero rows, no overrun", "[host][data]") {
  const int C = 1, H = 4, W = 4;
  const Dataset d = indexed_dataset(32, C, H, W);
  BatchIterator it(d, 8, 3, true, 9);
  std::vector<float> img;
  std::vector<std::int32_t> lab;
  std::int64_t blank = 0, seen = 0;
  while (it.next(img, lab)) {
    REQUIRE(img.size() == lab.size() * C * H * W);
    for (std::size_t b = 0; b < lab.size(); ++b, ++seen) {
      const float* out = img.data() + b * C * H * W;
      blank += std::all_of(out, out + C * H * W, [](float v) { return v == 0.0f; }) ? 1 : 0;
    }
  }
  CHECK(seen == 32);
  // An offset of 4 or more in either axis (10 of 19 values each) leaves the window empty.
  CHECK(blank > 0);
  CHECK(blank < seen);
}



TEST_CASE("synthetic data is seeded and class-dependent", "[host][data]") {
  const DatasetSplit a = load_dataset({"synthetic", "", 500, 200, 9, false});
  const DatasetSplit b = load_dataset({"synthetic", "", 500, 200, 9, false});
  const DatasetSplit c = load_dataset({"synthetic", "", 500, 200, 10, false});
  CHECK(a.train.count == 500);
  CHECK(a.test.count == 200);
  CHECK((a.train.channels == 1 && a.train.height == 28 && a.train.width == 28 && a.train.classes == 10));
  CHECK(a.train.images == b.train.images);
  CHECK(a.train.labels == b.train.labels);
  CHECK(a.train.images != c.train.images);
  // Learnable: nearest class mean (from train) classifies test samples well above chance (10%).
  const std::size_t P = 28 * 28;
  std::vector<double> mean(10 * P, 0.0);
  std::vector<int> n(10, 0);
  for (std::int64_t i = 0; i < a.train.count; ++i) {
    const auto l = static_cast<std::size_t>(a.train.labels[static_cast<std::size_t>(i)]);
    ++n[l];
    for (std::size_t k = 0; k < P; ++k) mean[l * P + k] += a.train.images[static_cast<std::size_t>(i) * P + k];
  }
  for (std::size_t l = 0; l < 10; ++l)
    for (std::size_t k = 0; k < P; ++k) mean[l * P + k] /= std::max(1, n[l]);
  int correct = 0;
  for (std::int64_t i = 0; i < a.test.count; ++i) {
    double best = 1e300;
    int arg = -1;
    for (std::size_t l = 0; l < 10; ++l) {
      double dist = 0;
      for (std::size_t k = 0; k < P; ++k) {
        const double e = a.test.images[static_cast<std::size_t>(i) * P + k] - mean[l * P + k];
        dist += e * e;
      }
      if (dist < best) best = dist, arg = static_cast<int>(l);
    }
    correct += arg == a.test.labels[static_cast<std::size_t>(i)];
  }
  CHECK(correct > 200 / 2);  // > 50% on 10 classes
}
