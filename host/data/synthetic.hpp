// A seeded, learnable synthetic dataset for tests: 10 classes of 1x28x28 images (the shape of
// Fashion-MNIST, so the same models run on it). Each class has a fixed prototype made of a few
// Gaussian blobs at seed-chosen places; a sample is its class prototype, shifted by up to one
// pixel, times a random contrast, plus Gaussian pixel noise. A linear classifier separates the
// classes well above chance but not perfectly, so "loss decreases, accuracy above chance" is a
// real test.
#pragma once

#include <cstdint>

#include "host/data/dataset.hpp"

namespace mpsim::host::data {

inline constexpr int kSyntheticClasses = 10, kSyntheticSide = 28;

// Images are raw (not normalised); `stream` separates train (0) and test (1) samples drawn
// from the same prototypes.
Dataset make_synthetic(std::int64_t count, std::uint64_t seed, std::uint64_t stream);

}  // namespace mpsim::host::data
