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

struct Assignment {
  std::vector<TensorPrecision> tensors;  // indexed by TensorId
  FloatFormat accumulator = formats::fp32;  // fp32 -> gemm_fast; anything else -> gemm_exact

  const TensorPrecision& operator[](TensorId id) const { return tensors.at(static_cast<std::size_t>(id)); }
  TensorPrecision& operator[](TensorId id) { return tensors.at(static_cast<std::size_t>(id)); }
};

// Lee et al.'s memory metric (PAPERS.md): bits(π) = Σ numel × bits(format) over the θ, v, dv
// and dθ tensors (roles weight, activation, activation_grad, weight_grad); keep_fp32 counts 32.
struct MemoryMetric {
  std::int64_t bits = 0;           // bits(π)
  std::int64_t bits_fp32 = 0;      // the same tensors all in fp32
  std::int64_t elements = 0;       // Σ numel
  std::int64_t low_elements = 0;   // elements stored in 8 bits or fewer
  double low_precision_ratio() const { return elements ? double(low_elements) / double(elements) : 0.0; }
  double reduction_vs(std::int64_t other_bits) const { return bits ? double(other_bits) / double(bits) : 0.0; }
};
MemoryMetric memory_metric(const TensorRegistry& registry, const Assignment& assignment);

}  // namespace mpsim::host
