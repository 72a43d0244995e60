// A precision assignment: for every registered tensor (tensor_registry.hpp) the format its
// values are rounded to where it is produced (quantize on write), with the rounding, the
// overflow behaviour and a per-tensor scale; plus the GEMM accumulator format. Arithmetic then
// sees exactly the assigned values (Lee et al., PAPERS.md: "arithmetic is fp32 on values that
// were rounded when stored").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/precision/tensor_registry.hpp"
#include "model/float_format.hpp"
#include "model/rounding.hpp"

namespace mpsim::host {

struct TensorPrecision {
  FloatFormat format = formats::fp32;
  Rounding rounding = Rounding::nearest_even;
  Overflow overflow = Overflow::saturate;
  float scale = 1.0f;   // quantize(x * scale) / scale (amax scaling); a power of two stays exact
  bool keep_fp32 = true;  // true: no rounding at all (the fp32 baseline), format is fp32
  bool operator==(const TensorPrecision&) const = default;
};

// A tensor rounded to `format` (keep_fp32 when format is fp32: rounding an fp32 value to fp32
// is the identity, so skipping it is exact).
TensorPrecision rounded_to(const FloatFormat& format, Rounding rounding, Overflow overflow);

struct Assignment {
  std::vector<TensorPrecision> tensors;  // indexed by TensorId
  FloatFormat accumulator = formats::fp32;  // fp32 -> gemm_fast; anything else -> gemm_exact

  const TensorPrecision& operator[](TensorId id) const { return tensors.at(static_cast<std::size_t>(id)); }
  TensorPrecision& operator[](TensorId id) { return tensors.at(static_cast<std::size_t>(id)); }
  bool operator==(const Assignment&) const = default;
};

// Every tensor keep_fp32, fp32 accumulator: the fp32 baseline and continuous16's pre-training.
Assignment fp32_assignment(const TensorRegistry& registry);

// Lee et al.'s memory metric (PAPERS.md): bits(π) = Σ numel × bits(format) over the θ, v, dv
// and dθ tensors (roles weight, activation, activation_grad, weight_grad); keep_fp32 counts 32.
struct MemoryMetric {
  std::int64_t bits = 0;           // bits(π)
  std::int64_t bits_fp32 = 0;      // the same tensors all in fp32
  std::int64_t elements = 0;       // Σ numel
  std::int64_t low_elements = 0;   // elements stored in 8 bits or fewer
  double low_precision_ratio() const { return elements ? double(low_elements) / double(elements) : 0.0; }
  // How many times fewer bits than `other_bits` (e.g. bits_fp32, or bits_at(16) for all-high /
  // the mixed16 baseline).
  double reduction_vs(std::int64_t other_bits) const { return bits ? double(other_bits) / double(bits) : 0.0; }
  // The same tensors all stored in `bits_per_element` bits.
  std::int64_t bits_at(int bits_per_element) const { return elements * bits_per_element; }
  // Bits saved against all `bits_per_element` (Lee et al.'s "against all-high": 16).
  std::int64_t bits_saved_vs(int bits_per_element) const { return bits_at(bits_per_element) - bits; }
};
MemoryMetric memory_metric(const TensorRegistry& registry, const Assignment& assignment);

// The metric averaged over the steps of an epoch (promotion changes π during it): add() after
// every step, then mean() gives average bits and the average low-precision ratio.
class MemoryMetricMean {
 public:
  void add(const MemoryMetric& m);
  std::int64_t steps() const { return steps_; }
  double mean_bits() const { return steps_ ? bits_ / double(steps_) : 0.0; }
  double mean_low_precision_ratio() const { return steps_ ? ratio_ / double(steps_) : 0.0; }
  void clear() { *this = MemoryMetricMean{}; }

 private:
  std::int64_t steps_ = 0;
  double bits_ = 0.0, ratio_ = 0.0;
};

}  // namespace mpsim::host
