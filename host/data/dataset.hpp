// Training data for host/train/: Fashion-MNIST (the default; Debian's dataset-fashion-mnist),
// MNIST or Fashion-MNIST IDX files from a user path (gzipped or not), CIFAR-10/100 binary files,
// and a seeded synthetic dataset for tests. Everything is loaded once into normalised float NCHW
// arrays; BatchIterator hands out shuffled (and, for CIFAR, augmented) mini-batches whose order
// is a pure function of (seed, epoch), so a resumed run sees exactly the batches an
// uninterrupted one would (issue 7: resume is bit-identical).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mpsim::host::data {

// A bad data file or configuration: what() is one line naming the file and what is wrong.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Dataset {
  std::string name;
  std::int64_t count = 0;
  int channels = 0, height = 0, width = 0, classes = 0;
  std::vector<float> images;          // normalised (per-channel mean 0, std 1), NCHW, count*C*H*W
  std::vector<std::int32_t> labels;   // count, each in [0, classes)
  std::int64_t image_size() const { return std::int64_t{channels} * height * width; }
};

struct DatasetConfig {
  std::string name = "fashion_mnist";  // fashion_mnist | mnist | cifar10 | cifar100 | synthetic
  std::string path;                    // directory of the files; empty: the default (Fashion-MNIST
                                       // from /usr/share/datasets/fashion-mnist)
  std::int64_t train_subset = 0, test_subset = 0;  // 0: all; else the first N (synthetic: N)
  std::uint64_t seed = 1;              // synthetic data generation
  bool augment = false;                // random crop + horizontal flip in training (CIFAR's default)
  int crop_padding = 4;                // the crop's zero padding (4: CIFAR's); 0: flip only
};

struct DatasetSplit {
  Dataset train, test;
};

// Throws DataError (one line: file and problem) on a missing, truncated, wrong-magic or
// mislabeled file, and on an unknown dataset name.
DatasetSplit load_dataset(const DatasetConfig& config);

// Mini-batches over one Dataset. start_epoch(e) fixes the permutation for epoch e (a pure
// function of seed and e); next() fills images (batch*C*H*W, NCHW) and labels (batch) and returns
// false at the end of the epoch. The last batch may be smaller (count % batch). With augment,
// each image gets a random crop from the image zero-padded by `crop_padding` pixels (0: none)
// and a random horizontal flip, drawn from (seed, epoch, position), also reproducible.
class BatchIterator {
 public:
  BatchIterator(const Dataset& dataset, std::int64_t batch, std::uint64_t seed, bool augment, int crop_padding = 4);
  void start_epoch(int epoch);
  bool next(std::vector<float>& images, std::vector<std::int32_t>& labels);
  std::int64_t batches_per_epoch() const;
  std::int64_t batch_size() const { return batch_; }

 private:
  const Dataset* dataset_;
  std::int64_t batch_;
  std::uint64_t seed_;
  bool augment_;
  int crop_padding_;
  int epoch_ = 0;
  std::int64_t position_ = 0;
  std::vector<std::int64_t> order_;
};

}  // namespace mpsim::host::data
