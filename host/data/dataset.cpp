// load_dataset: finds the files of the named dataset, reads them (idx_reader, cifar_reader,
// synthetic), keeps the requested subsets and normalises every channel to mean 0, std 1 with
// the training split's statistics (the test split uses the same constants, as usual).
#include <cmath>
#include <filesystem>

#include <fmt/core.h>

#include "host/data/cifar_reader.hpp"
#include "host/data/dataset.hpp"
#include "host/data/file_bytes.hpp"
#include "host/data/idx_reader.hpp"
#include "host/data/synthetic.hpp"

namespace mpsim::host::data {
namespace {

constexpr const char* kDefaultFashionMnist = "/usr/share/datasets/fashion-mnist";
constexpr std::int64_t kSyntheticTrain = 2048, kSyntheticTest = 512;

std::string require_file(const std::string& dir, const std::string& stem) {
  const std::string found = find_first_existing(dir, {stem + ".gz", stem});
  if (found.empty()) throw DataError(fmt::format("{}: no {}[.gz] found", dir, stem));
  return found;
}

Dataset load_idx_split(const std::string& dir, const std::string& name, const char* prefix) {
  const std::string images_path = require_file(dir, std::string(prefix) + "-images-idx3-ubyte");
  const std::string labels_path = require_file(dir, std::string(prefix) + "-labels-idx1-ubyte");
  IdxImages img = read_idx_images(images_path);
  std::vector<std::int32_t> labels = read_idx_labels(labels_path, 10);
  if (static_cast<std::int64_t>(labels.size()) != img.count)
    throw DataError(fmt::format("{}: {} labels for the {} images of {}", labels_path, labels.size(), img.count, images_path));
  Dataset d;
  d.name = name;
  d.count = img.count;
  d.channels = 1;
  d.height = img.rows;
  d.width = img.cols;
  d.classes = 10;
  d.images.assign(img.pixels.begin(), img.pixels.end());  // bytes 0..255 as floats
  d.labels = std::move(labels);
  return d;
}

Dataset load_cifar_split(const std::string& path, CifarKind kind, bool train) {
  // Accept the directory of the .bin files or the one above the archive's own folder.
  const std::string inner = kind == CifarKind::cifar10 ? "cifar-10-batches-bin" : "cifar-100-binary";
  std::string dir = path;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / cifar_files(kind, train).front(), ec) &&
      std::filesystem::is_directory(std::filesystem::path(dir) / inner, ec))
    dir = (std::filesystem::path(dir) / inner).string();
  CifarImages all;
  for (const std::string& f : cifar_files(kind, train)) {
    const std::string p = find_first_existing(dir, {f, f + ".gz"});
    if (p.empty()) throw DataError(fmt::format("{}: no {} found", dir, f));
    read_cifar_file(p, kind, all);
  }
  Dataset d;
  d.name = kind == CifarKind::cifar10 ? "cifar10" : "cifar100";
  d.count = all.count;
  d.channels = kCifarChannels;
  d.height = d.width = kCifarSide;
  d.classes = kind == CifarKind::cifar10 ? 10 : 100;
  d.images.assign(all.pixels.begin(), all.pixels.end());
  d.labels = std::move(all.labels);
  return d;
}

void keep_first(Dataset& d, std::int64_t n) {
  if (n <= 0 || n >= d.count) return;
  d.count = n;
  d.images.resize(static_cast<std::size_t>(n * d.image_size()));
  d.labels.resize(static_cast<std::size_t>(n));
}

// Per-channel mean and standard deviation of `ref`, applied to both splits.
void normalise(Dataset& train, Dataset& test) {
  const std::int64_t plane = std::int64_t{train.height} * train.width;
  for (int c = 0; c < train.channels; ++c) {
    double sum = 0, sum2 = 0;
    for (std::int64_t i = 0; i < train.count; ++i) {
      const float* p = train.images.data() + (i * train.channels + c) * plane;
      for (std::int64_t k = 0; k < plane; ++k) {
        sum += p[k];
        sum2 += double(p[k]) * p[k];
      }
    }
    const double n = double(train.count) * double(plane);
    const double mean = n > 0 ? sum / n : 0.0;
    const double var = n > 0 ? sum2 / n - mean * mean : 1.0;
    const float inv_std = static_cast<float>(var > 1e-12 ? 1.0 / std::sqrt(var) : 1.0);
    const float m = static_cast<float>(mean);
    for (Dataset* d : {&train, &test})
      for (std::int64_t i = 0; i < d->count; ++i) {
        float* p = d->images.data() + (i * d->channels + c) * plane;
        for (std::int64_t k = 0; k < plane; ++k) p[k] = (p[k] - m) * inv_std;
      }
  }
}

}  // namespace

DatasetSplit load_dataset(const DatasetConfig& config) {
  DatasetSplit s;
  if (config.train_subset < 0 || config.test_subset < 0)
    throw DataError(fmt::format("dataset {}: subset sizes must not be negative", config.name));
  if (config.name == "fashion_mnist" || config.name == "mnist") {
    std::string dir = config.path;
    if (dir.empty()) {
      if (config.name == "mnist") throw DataError("dataset mnist: no path given (the directory of its IDX files)");
      dir = kDefaultFashionMnist;
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec))
        throw DataError(fmt::format("{}: not found; install Debian's dataset-fashion-mnist (make deps) or give a path", dir));
    }
    s.train = load_idx_split(dir, config.name, "train");
    s.test = load_idx_split(dir, config.name, "t10k");
  } else if (config.name == "cifar10" || config.name == "cifar100") {
    const CifarKind kind = config.name == "cifar10" ? CifarKind::cifar10 : CifarKind::cifar100;
    if (config.path.empty()) throw DataError(fmt::format("dataset {}: no path given (the directory of its binary files)", config.name));
    s.train = load_cifar_split(config.path, kind, true);
    s.test = load_cifar_split(config.path, kind, false);
  } else if (config.name == "synthetic") {
    s.train = make_synthetic(config.train_subset > 0 ? config.train_subset : kSyntheticTrain, config.seed, 0);
    s.test = make_synthetic(config.test_subset > 0 ? config.test_subset : kSyntheticTest, config.seed, 1);
  } else {
    throw DataError(fmt::format("unknown dataset '{}' (fashion_mnist, mnist, cifar10, cifar100 or synthetic)", config.name));
  }
  keep_first(s.train, config.train_subset);
  keep_first(s.test, config.test_subset);
  normalise(s.train, s.test);
  return s;
}

}  // namespace mpsim::host::data
