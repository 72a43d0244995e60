// The per-element work of the quantize kernel, written once for the CPU loop and the CUDA
// kernel: scale, round (fast path for nearest-even and ties-away where the format allows it, model/'s general
// encode otherwise), count events, un-scale.
#pragma once

#include <cmath>
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
  // 1 / scale, when scale is a power of two 2^j with j in [-126, 127]: then 2^-j is an fp32 value
  // (a subnormal for j = 127) and q * 2^-j rounds the same real number as q / 2^j, so the two give
  // the same bits. Unscaled tensors (scale 1) and the amax policy's power-of-two scales qualify.
  float inverse_scale;
  bool inverse_is_exact;

  ElementQuantizer(const QuantizeSpec& s, std::uint32_t tensor_id)
      : spec(s),
        fast(has_fp32_fast_path(s.format) ? s.format : formats::fp16, s.overflow,
             has_fast_rounding(s.rounding) ? s.rounding : Rounding::nearest_even),
        use_fast(has_fast_rounding(s.rounding) && has_fp32_fast_path(s.format)),
        stream((static_cast<std::uint64_t>(s.step) << 32) | tensor_id),
        inverse_scale(1.0f / s.scale),
        inverse_is_exact(is_power_of_two(s.scale)) {}

  // One element: the stored value and the events it counts (0 or 1 each; ints, not bools, so
  // that loops summing them vectorize).
  struct Result {
    float value;
    int overflow, nan, underflow_to_zero;
  };

  MPSIM_HD float operator()(float x, std::uint64_t index, QuantizeCounts& counts) const {
    return use_fast ? apply<true>(x, index, counts) : apply<false>(x, index, counts);
  }

  // One path only (kFast requires use_fast): a GPU kernel instantiated for the fast path alone
  // needs far fewer registers than one that also holds the general encode, so more threads run.
  template <bool kFast>
  MPSIM_HD_INLINE float apply(float x, std::uint64_t index, QuantizeCounts& counts) const {
    const Result r = kFast ? fast_element(x) : general_element(x, index);
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
    return {canonical_nan(unscale(q)), overflow ? 1 : 0, q != q ? 1 : 0, (finite_nonzero & (q == 0)) ? 1 : 0};
  }

  MPSIM_HD_INLINE float unscale(float q) const {
#ifdef __CUDA_ARCH__
    // On the GPU the IEEE division is the costliest step of the fast path (about half its time on
    // an H200, docs/PERFORMANCE.md), and inverse_is_exact is the same for every thread: a branch
    // that never diverges. On the CPU the loop stays branch-free so that it vectorizes.
    if (inverse_is_exact) return q * inverse_scale;
#endif
    return q / spec.scale;
  }

  static bool is_power_of_two(float s) {
    int e = 0;
    return std::isfinite(s) && s > 0 && std::frexp(s, &e) == 0.5f && e - 1 >= -126 && e - 1 <= 127;
  }
};

}  // namespace mpsim::kernels
