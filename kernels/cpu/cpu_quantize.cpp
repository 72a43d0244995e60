// quantize, amax and the exponent histogram on the CPU. Elements are independent, so the
// OpenMP split changes nothing in the result; counts are integer sums.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/quantize_element.hpp"
#include "model/bits.hpp"
#include "model/target_clones.hpp"

namespace mpsim::kernels {
namespace {

// |x|'s bits for the amax: for non-NaN x they order like |x|, so an integer max over them
// vectorizes where a float max does not (GCC needs -ffinite-math-only for that); NaN bits
// (above Inf's 0x7f800000) count as 0.
inline std::int32_t magnitude_bits(float x) {
  const auto b = static_cast<std::int32_t>(bits_of(x) & 0x7fffffffu);
  return b <= 0x7f800000 ? b : 0;
}

// The amax from the largest magnitude_bits over n elements. A 0 is ambiguous: all zeros, or
// all NaN (then the amax is NaN); `values` (the input, or the output of a rounding: zeros stay
// zeros and NaNs NaNs) tells which.
float amax_from_bits(std::int32_t top, const float* values, std::int64_t n) {
  const float result = float_from_bits(static_cast<std::uint32_t>(top));
  if (result != 0.0f || n == 0) return result;
  for (std::int64_t i = 0; i < n; ++i)
    if (values[i] == values[i]) return result;
  return std::nanf("");
}

// The nearest-even fast path over one block, compiled as SSE2 / AVX2 / AVX-512 clones (the
// loader picks one). Two loops, because GCC 12 vectorizes neither when the values and the counts
// share one: the values through Fp32Quantizer, then the counts from input and output with the
// same meaning as ElementQuantizer's (tests/kernels check them against model/'s flags):
// overflow = finite |x * scale| >= overflow_from, NaN = NaN out, underflow = nonzero finite
// scaled input that came out zero; the second loop also takes the amax's magnitude_bits of the
// input, so training's amax costs no pass of its own. Training rounds in place (x == y), so the
// counts loop must not read x after the values loop wrote y: each 256-element chunk of x is
// copied first.
MPSIM_TARGET_CLONES("default", "arch=x86-64-v3", "arch=x86-64-v4")
void quantize_block_fast(const ElementQuantizer& quantizer, const float* x, float* y, std::int64_t n,
                         QuantizeCounts& counts, std::int32_t& top) {
  const Fp32Quantizer fast = quantizer.fast;  // copies the stores cannot alias
  const float scale = quantizer.spec.scale;
  constexpr std::int64_t kChunk = 256;
  float in[kChunk];
  std::int64_t overflow = 0, nan = 0, underflow = 0;
  std::int32_t largest = top;
  for (std::int64_t start = 0; start < n; start += kChunk) {
    const std::int64_t m = std::min(kChunk, n - start);
    std::copy_n(x + start, m, in);
    float* out = y + start;
    for (std::int64_t i = 0; i < m; ++i) out[i] = canonical_nan(fast(in[i] * scale) / scale);
    for (std::int64_t i = 0; i < m; ++i) {
      const float magnitude = __builtin_fabsf(in[i] * scale);
      const bool finite = magnitude < __builtin_inff();
      overflow += (magnitude >= fast.overflow_from) & finite;
      nan += out[i] != out[i];
      underflow += (out[i] == 0.0f) & (magnitude > 0.0f) & finite;
      const std::int32_t b = magnitude_bits(in[i]);
      largest = b > largest ? b : largest;
    }
  }
  counts += QuantizeCounts{overflow, underflow, nan};
  top = largest;
}

}  // namespace

QuantizeCounts CpuBackend::quantize_with_amax(const Tensor& in, Tensor& out, const QuantizeSpec& spec, float& amax) {
  check_same_numel("quantize", in, out);
  check_device("quantize", in, Device::cpu);
  check_quantize_format(spec);
  const ElementQuantizer quantizer(spec, in.id());
  const float* x = in.data();
  float* y = out.data();
  const std::int64_t n = in.numel();
  std::int64_t overflow = 0, underflow = 0, nan = 0;
  std::int32_t top = 0;
  // One 4096-element block per task; small tensors stay on the calling thread.
#pragma omp parallel for num_threads(threads_) schedule(static) reduction(+ : overflow, underflow, nan) \
    reduction(max : top) if (n > 65536)
  for (std::int64_t block = 0; block < (n + 4095) / 4096; ++block) {
    QuantizeCounts counts;
    std::int32_t block_top = 0;
    const std::int64_t begin = block * 4096, end = std::min(n, begin + 4096);
    if (quantizer.use_fast) {  // the common case, vectorized
      quantize_block_fast(quantizer, x + begin, y + begin, end - begin, counts, block_top);
    } else {
      for (std::int64_t i = begin; i < end; ++i) {
        const float xi = x[i];  // read before y[i] is written: y may be x
        block_top = std::max(block_top, magnitude_bits(xi));
        y[i] = quantizer(xi, static_cast<std::uint64_t>(i), counts);
      }
    }
    overflow += counts.overflow;
    underflow += counts.underflow_to_zero;
    nan += counts.nan;
    top = std::max(top, block_top);
  }
  amax = amax_from_bits(top, y, n);
  traffic_.read("quantize", in);
  out.set_format(spec.format);
  traffic_.write("quantize", out);
  return {overflow, underflow, nan};
}

QuantizeCounts CpuBackend::quantize(const Tensor& in, Tensor& out, const QuantizeSpec& spec) {
  float unused = 0;  // the amax rides along in the counts loop at no measurable cost
  return quantize_with_amax(in, out, spec, unused);
}

float CpuBackend::amax(const Tensor& t) {
  check_device("amax", t, Device::cpu);
  const float* x = t.data();
  const std::int64_t n = t.numel();
  std::int32_t top = 0;
#pragma omp parallel for num_threads(threads_) reduction(max : top) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t b = magnitude_bits(x[i]);
    top = b > top ? b : top;
  }
  traffic_.read("amax", t);
  return amax_from_bits(top, x, n);
}

ExponentHistogram CpuBackend::exponent_histogram(const Tensor& t) {
  check_device("exponent_histogram", t, Device::cpu);
  ExponentHistogram h;
  const float* x = t.data();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if (x[i] == 0.0f) {
      ++h.zeros;
    } else if (!std::isfinite(x[i])) {
      ++h.non_finite;
    } else {
      ++h.counts[static_cast<std::size_t>(exponent_of(x[i]) - ExponentHistogram::kMinExponent)];
    }
  }
  traffic_.read("exponent_histogram", t);
  return h;
}

}  // namespace mpsim::kernels
