// The per-element work of the quantize kernel, written once for the CPU loop and the CUDA
// kernel: scale, round (fast path for nearest-even and ties-away where the format allows it, model/'s general
// encode otherwise), count events, un-scale.
#pragma once

#include <cstdint>

#include "kernels/element_ops.hpp"
#include "kernels/ops.hpp"
#include "model/host_device.hpp"
#include "model/philox.hpp"
#include "model/quantize.hpp"
#include "model/quantize_fast.hpp"

namespace mpsim::kernels {

struct ElementQuantizer {
  QuantizeSpec spec;
  Fp32Quantizer fast;
  bool use_fast;
  std::uint64_t stream;  // Philox stream: (step << 32) | tensor id

  ElementQuantizer(const QuantizeSpec& s, std::uint32_t tensor_id)
      : spec(s),
        fast(has_fp32_fast_path(s.format) ? s.format : formats::fp16, s.overflow,
             has_fast_rounding(s.rounding) ? s.rounding : Rounding::nearest_even),
        use_fast(has_fast_rounding(s.rounding) && has_fp32_fast_path(s.format)),
        stream((static_cast<std::uint64_t>(s.step) << 32) | tensor_id) {}

  // One element: the stored value and the events it counts (0 or 1 each; ints, not bools, so
  // that loops summing them vectorize).
  struct Result {
    float value;
    int overflow, nan, underflow_to_zero;
  };

  MPSIM_HD float operator()(float x, std::uint64_t index, QuantizeCounts& counts) const {
    const Result r = use_fast ? fast_element(x) : general_element(x, index);
    counts.overflow += r.overflow;
    counts.nan += r.nan;
    counts.underflow_to_zero += r.underflow_to_zero;
    return r.value;
  }

  // The nearest-even fast path alone (requires use_fast): branch-free, so loops over it vectorize.
  MPSIM_HD_INLINE Result fast_element(float x) const {
    const float scaled = x * spec.scale;
    const Fp32Quantizer::Rounded r = fast.round(scaled);
    return finish(scaled, r.value, r.overflow);
  }

  MPSIM_HD Result general_element(float x, std::uint64_t index) const {
    const float scaled = x * spec.scale;
    const std::uint32_t random = spec.rounding == Rounding::stochastic ? random_bits(spec.seed, stream, index) : 0u;
    const Encoded e = encode(scaled, spec.format, {spec.rounding, spec.overflow}, random);
    return finish(scaled, static_cast<float>(value_of(e, spec.format)), e.flags.overflow());
  }

 private:
  MPSIM_HD_INLINE Result finish(float scaled, float q, bool overflow) const {
    // & rather than &&: no branches, so the fast loop vectorizes.
    const bool finite_nonzero = (scaled != 0) & (scaled - scaled == 0);
    // A NaN result is written as model/'s quiet NaN from its bits: the GPU's double -> float
    // conversion and division would give 0x7fffffff where the host keeps 0x7fc00000.
    // Always divide (q / 1 is q): a division under a condition is a branch.
    return {canonical_nan(q / spec.scale), overflow ? 1 : 0, q != q ? 1 : 0, (finite_nonzero & (q == 0)) ? 1 : 0};
  }
};

}  // namespace mpsim::kernels
