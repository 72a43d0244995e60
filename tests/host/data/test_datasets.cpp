// The dataset readers on small generated files: IDX round trip (gzipped and raw), CIFAR records,
// one-line errors for truncated, wrong-magic and mislabeled files, normalisation, and Debian's
// Fashion-MNIST when it is installed.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host/data/cifar_reader.hpp"
#include "host/data/dataset.hpp"
#include "host/data/idx_reader.hpp"

namespace fs = std::filesystem;
using namespace mpsim::host::data;

namespace {

using Bytes = std::vector<std::uint8_t>;

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("mpsim_data_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

void put_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

Bytes idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, std::uint32_t magic = 0x803) {
  Bytes b;
  put_be32(b, magic);
  put_be32(b, count);
  put_be32(b, rows);
  put_be32(b, cols);
  for (std::uint32_t i = 0; i < count * rows * cols; ++i) b.push_back(static_cast<std::uint8_t>((i * 37 + 11) % 256));
  return b;
}

Bytes idx_labels(const std::vector<std::uint8_t>& labels, std::uint32_t magic = 0x801) {
  Bytes b;
  put_be32(b, magic);
  put_be32(b, static_cast<std::uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

void write_raw(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void write_gz(const std::string& path, const Bytes& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

// A complete MNIST-style directory: 6 training and 4 test images of 3x2 pixels.
void write_idx_dir(const TempDir& dir, bool gz) {
  auto put = gz ? write_gz : write_raw;
  const std::string ext = gz ? ".gz" : "";
  put(dir / ("train-images-idx3-ubyte" + ext), idx_images(6, 3, 2));
  put(dir / ("train-labels-idx1-ubyte" + ext), idx_labels({0, 1, 2, 9, 4, 5}));
  put(dir / ("t10k-images-idx3-ubyte" + ext), idx_images(4, 3, 2));
  put(dir / ("t10k-labels-idx1-ubyte" + ext), idx_labels({3, 3, 7, 8}));
}

}  // namespace

TEST_CASE("IDX files round-trip, gzipped and raw", "[host][data]") {
  for (bool gz : {false, true}) {
    INFO("gzip " << gz);
    TempDir dir(gz ? "idx_gz" : "idx_raw");
    write_idx_dir(dir, gz);
    const std::string ext = gz ? ".gz" : "";
    const IdxImages img = read_idx_images(dir / ("train-images-idx3-ubyte" + ext));
    CHECK(img.count == 6);
    CHECK(img.rows == 3);
    CHECK(img.cols == 2);
    const Bytes expected = idx_images(6, 3, 2);
    CHECK(img.pixels == Bytes(expected.begin() + 16, expected.end()));
    CHECK(read_idx_labels(dir / ("train-labels-idx1-ubyte" + ext), 10) == std::vector<std::int32_t>{0, 1, 2, 9, 4, 5});

    const DatasetSplit s = load_dataset({"mnist", dir.path.string(), 0, 0, 1, false});
    CHECK(s.train.count == 6);
    CHECK(s.test.count == 4);
    CHECK((s.train.channels == 1 && s.train.height == 3 && s.train.width == 2 && s.train.classes == 10));
    CHECK(s.train.images.size() == 36);
    CHECK(s.test.labels == std::vector<std::int32_t>{3, 3, 7, 8});
    // Normalised with the training split's statistics: mean 0, std 1 there.
    double sum = 0, sum2 = 0;
    for (float v : s.train.images) sum += v, sum2 += double(v) * v;
    CHECK(sum / 36 == Approx(0.0).margin(1e-5));
    CHECK(sum2 / 36 == Approx(1.0).epsilon(1e-4));
    // The mapping is affine and increasing: pixel order is preserved.
    CHECK((s.train.images[0] < s.train.images[1]) == (expected[16] < expected[17]));
    const DatasetSplit sub = load_dataset({"mnist", dir.path.string(), 2, 3, 1, false});
    CHECK(sub.train.count == 2);
    CHECK(sub.test.count == 3);
    CHECK(sub.train.labels == std::vector<std::int32_t>{0, 1});
  }
}

TEST_CASE("IDX errors: one line naming the file and the problem", "[host][data]") {
  TempDir dir("idx_bad");
  const std::string images = dir / "images", labels = dir / "labels";
  Bytes cut = idx_images(3, 2, 2);
  cut.pop_back();
  write_raw(images, cut);
  CHECK(error_of([&] { read_idx_images(images); }) == images + ": truncated images file: 27 bytes, the header announces 28");
  write_raw(images, idx_images(3, 2, 2, 0x801));
  CHECK(error_of([&] { read_idx_images(images); }) ==
        images + ": wrong magic 0x00000801 for an IDX images file (expected 0x00000803)");
  Bytes extra = idx_images(3, 2, 2);
  extra.push_back(0);
  write_raw(images, extra);
  CHECK(error_of([&] { read_idx_images(images); }) == images + ": images file has 1 bytes after the 28 the header announces");
  write_raw(labels, idx_labels({1, 10, 2}));
  CHECK(error_of([&] { read_idx_labels(labels, 10); }) == labels + ": label 10 of item 1 is outside [0, 10)");
  write_raw(labels, {0, 0});
  CHECK(error_of([&] { read_idx_labels(labels, 10); }) == labels + ": truncated labels file: 2 bytes, no IDX header");
  CHECK(error_of([&] { read_idx_labels(dir / "absent", 10); }) == dir / "absent" + ": no such file");

  // Sizes from the header are checked against the file before anything is allocated: 2^32 - 1
  // images of 4096 x 4096 pixels announce 2^56 bytes, without overflowing the arithmetic.
  Bytes huge = idx_images(0, 4096, 4096);
  huge[4] = huge[5] = huge[6] = huge[7] = 0xff;
  write_raw(images, huge);
  CHECK(error_of([&] { read_idx_images(images); }) ==
        images + ": truncated images file: 16 bytes, the header announces 72057594021150736");
  write_raw(images, idx_images(1, 0, 2));
  CHECK(error_of([&] { read_idx_images(images); }) == images + ": implausible image size 0x2");
  write_raw(images, idx_images(1, 2, 4097));
  CHECK(error_of([&] { read_idx_images(images); }) == images + ": implausible image size 2x4097");
  write_raw(images, {});
  CHECK(error_of([&] { read_idx_images(images); }) == images + ": truncated images file: 0 bytes, no IDX header");
  write_raw(labels, {0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff, 3});
  CHECK(error_of([&] { read_idx_labels(labels, 10); }) ==
        labels + ": truncated labels file: 9 bytes, the header announces 4294967303");

  // A gzip stream cut in the middle.
  const std::string gz = dir / "images.gz";
  write_gz(gz, idx_images(50, 8, 8));
  const auto size = fs::file_size(gz);
  fs::resize_file(gz, size / 2);
  CHECK_THAT(error_of([&] { read_idx_images(gz); }), Catch::StartsWith(gz + ": truncated or corrupt gzip stream"));

  // A directory without the files, and an unknown dataset name.
  CHECK(error_of([&] { load_dataset({"mnist", dir.path.string(), 0, 0, 1, false}); }) ==
        dir.path.string() + ": no train-images-idx3-ubyte[.gz] found");
  CHECK(error_of([&] { load_dataset({"mnist", "", 0, 0, 1, false}); }) ==
        "dataset mnist: no path given (the directory of its IDX files)");
  CHECK(error_of([&] { load_dataset({"imagenet", "", 0, 0, 1, false}); }) ==
        "unknown dataset 'imagenet' (fashion_mnist, mnist, cifar10, cifar100 or synthetic)");
}

// A gzip bomb: about 1 MB on disk, 1025 MiB inflated. The reader stops at its 1 GiB cap
// (file_bytes.hpp) with one line instead of inflating on until memory runs out. [.slow]: it
// still inflates that first GiB.
TEST_CASE("a gzip file that inflates past 1 GiB is refused at the cap", "[host][data][.slow]") {
  TempDir dir("gzip_bomb");
  const std::string bomb = dir / "train-images-idx3-ubyte.gz";
  gzFile f = gzopen(bomb.c_str(), "wb9");
  REQUIRE(f != nullptr);
  const std::vector<char> zeros(1 << 20, 0);
  for (int i = 0; i < 1025; ++i) REQUIRE(gzwrite(f, zeros.data(), static_cast<unsigned>(zeros.size())) == 1 << 20);
  REQUIRE(gzclose(f) == Z_OK);
  CHECK(fs::file_size(bomb) < (std::uintmax_t{4} << 20));
  CHECK(error_of([&] { read_idx_images(bomb); }) ==
        bomb + ": more than 1024 MiB once decompressed; no dataset file mpsim reads is that large");
}

namespace {

// CIFAR records whose pixel bytes encode (record, channel, position) so the layout is checkable.
Bytes cifar_records(int n, int label_bytes, int first_label) {
  Bytes b;
  for (int i = 0; i < n; ++i) {
    if (label_bytes == 2) b.push_back(static_cast<std::uint8_t>(i % 20));  // coarse
    b.push_back(static_cast<std::uint8_t>(first_label + i));
    for (int c = 0; c < 3; ++c)
      for (int p = 0; p < 1024; ++p) b.push_back(static_cast<std::uint8_t>(i * 50 + c * 7 + p % 5));
  }
  return b;
}

}  // namespace

TEST_CASE("CIFAR-10 and CIFAR-100 binary records", "[host][data]") {
  TempDir dir("cifar");
  fs::create_directories(dir.path / "cifar-10-batches-bin");
  for (int k = 1; k <= 5; ++k) write_raw((dir.path / "cifar-10-batches-bin" / ("data_batch_" + std::to_string(k) + ".bin")).string(), cifar_records(2, 1, k));
  write_raw((dir.path / "cifar-10-batches-bin" / "test_batch.bin").string(), cifar_records(3, 1, 0));
  const DatasetSplit s = load_dataset({"cifar10", dir.path.string(), 0, 0, 1, false});  // finds the subfolder
  CHECK(s.train.count == 10);
  CHECK(s.test.count == 3);
  CHECK((s.train.channels == 3 && s.train.height == 32 && s.train.width == 32 && s.train.classes == 10));
  CHECK(s.train.labels == std::vector<std::int32_t>{1, 2, 2, 3, 3, 4, 4, 5, 5, 6});
  CifarImages raw;
  read_cifar_file((dir.path / "cifar-10-batches-bin" / "data_batch_1.bin").string(), CifarKind::cifar10, raw);
  REQUIRE(raw.count == 2);
  CHECK(raw.pixels[1 * 3072 + 2 * 1024 + 3] == 1 * 50 + 2 * 7 + 3);  // record 1, channel B, pixel 3: CHW

  write_raw(dir / "train.bin", cifar_records(4, 2, 96));
  write_raw(dir / "test.bin", cifar_records(1, 2, 0));
  const DatasetSplit h = load_dataset({"cifar100", dir.path.string(), 0, 0, 1, false});
  CHECK(h.train.classes == 100);
  CHECK(h.train.labels == std::vector<std::int32_t>{96, 97, 98, 99});  // the fine labels

  const std::string bad = dir / "bad.bin";
  write_raw(bad, cifar_records(3, 1, 8));  // labels 8, 9, 10
  CHECK(error_of([&] { read_cifar_file(bad, CifarKind::cifar10, raw); }) == bad + ": label 10 of record 2 is outside [0, 10)");
  Bytes cut = cifar_records(2, 1, 0);
  cut.resize(cut.size() - 100);
  write_raw(bad, cut);
  CHECK(error_of([&] { read_cifar_file(bad, CifarKind::cifar10, raw); }) ==
        bad + ": truncated: 6046 bytes is not a whole number of 3073-byte records");
  write_raw(bad, {});
  CHECK(error_of([&] { read_cifar_file(bad, CifarKind::cifar10, raw); }) ==
        bad + ": truncated: 0 bytes is not a whole number of 3073-byte records");
  Bytes coarse = cifar_records(1, 2, 5);
  coarse[0] = 20;
  write_raw(bad, coarse);
  CHECK(error_of([&] { read_cifar_file(bad, CifarKind::cifar100, raw); }) ==
        bad + ": coarse label 20 of record 0 is outside [0, 20)");
}

TEST_CASE("Fashion-MNIST from Debian's dataset-fashion-mnist", "[host][data]") {
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    WARN("skipped: /usr/share/datasets/fashion-mnist is absent (apt-get install dataset-fashion-mnist)");
    return;
  }
  const DatasetSplit s = load_dataset({});
  CHECK(s.train.name == "fashion_mnist");
  CHECK(s.train.count == 60000);
  CHECK(s.test.count == 10000);
  CHECK((s.train.channels == 1 && s.train.height == 28 && s.train.width == 28 && s.train.classes == 10));
  std::vector<int> per_class(10, 0);
  for (std::int32_t l : s.train.labels) ++per_class[static_cast<std::size_t>(l)];
  for (int c : per_class) CHECK(c == 6000);  // Fashion-MNIST is balanced
}
