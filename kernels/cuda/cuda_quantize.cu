// quantize, amax and the exponent histogram on the GPU. Each must equal its CPU counterpart in
// kernels/cpu/cpu_quantize.cpp (CpuBackend::quantize, amax, exponent_histogram) bit for bit,
// stochastic rounding included (tests/kernels/test_cuda_backend.cpp):
//   quantize   out[i] = ElementQuantizer(in[i], i) (kernels/quantize_element.hpp): the same
//              per-element code as the CPU loop, Philox bits keyed by the element index, so the
//              grid shape never changes a bit. Event counts are integer sums (one atomicAdd per
//              warp), hence order-free and deterministic.
//   amax       max |x| over non-NaN x as an atomicMax on the bit pattern (for x >= 0 the fp32
//              bit order is the value order, +Inf included); max is order-free.
//   histogram  exponent_of(x) (kernels/element_ops.hpp) per element, counted per block in shared
//              memory, then added to the totals with integer atomics.
#include <cuda_runtime.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"
#include "kernels/element_ops.hpp"
#include "kernels/quantize_element.hpp"

namespace mpsim::kernels {
namespace {

using cuda_detail::add_count;
using cuda_detail::first_index;
using cuda_detail::grid_stride;
using cuda_detail::kFullWarp;
using cuda_detail::kBlocksPerSm;
using cuda_detail::kThreads;

// counts[0..2]: overflow, underflow to zero, NaN (QuantizeCounts). in may equal out. Instantiated
// once per path (ElementQuantizer::apply): the general encode needs 80 registers on sm_90, the
// fast path alone fits the 32 that a full SM of threads allows (ptxas -v; docs/PERFORMANCE.md).
template <bool kFast>
__global__ void __launch_bounds__(kThreads, kFast ? kBlocksPerSm : 1)
    quantize_kernel(const float* in, float* out, std::int64_t n, ElementQuantizer quantizer,
                    unsigned long long* counts) {
  QuantizeCounts local;
  // Four elements per 16-byte access (tensors start at cudaMalloc's 256-byte alignment), two
  // accesses loaded before either is rounded so that more loads are in flight per thread, then
  // the tail one by one. Element i always draws random_bits(..., i), whatever the grid.
  const std::int64_t quads = n / 4, stride = grid_stride();
  const auto* in4 = reinterpret_cast<const float4*>(in);
  auto* out4 = reinterpret_cast<float4*>(out);
  const auto round4 = [&](float4 v, std::int64_t g) {
    const auto i = static_cast<std::uint64_t>(g) * 4;
    v.x = quantizer.apply<kFast>(v.x, i, local);
    v.y = quantizer.apply<kFast>(v.y, i + 1, local);
    v.z = quantizer.apply<kFast>(v.z, i + 2, local);
    v.w = quantizer.apply<kFast>(v.w, i + 3, local);
    out4[g] = v;
  };
  std::int64_t g = first_index();
  for (; g + stride < quads; g += 2 * stride) {
    const float4 first = in4[g], second = in4[g + stride];
    round4(first, g);
    round4(second, g + stride);
  }
  if (g < quads) round4(in4[g], g);
  for (std::int64_t i = quads * 4 + first_index(); i < n; i += grid_stride())
    out[i] = quantizer.apply<kFast>(in[i], static_cast<std::uint64_t>(i), local);
  add_count(local.overflow, counts + 0);
  add_count(local.underflow_to_zero, counts + 1);
  add_count(local.nan, counts + 2);
}

// result[0]: max |x| bits over non-NaN x; result[1]: 1 when any x is not NaN.
__global__ void __launch_bounds__(kThreads) amax_kernel(const float* x, std::int64_t n, unsigned* result) {
  unsigned local = 0;
  bool any_number = false;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const unsigned magnitude = bits_of(x[i]) & 0x7fffffffu;
    if (magnitude > 0x7f800000u) continue;  // NaN
    any_number = true;
    local = magnitude > local ? magnitude : local;
  }
  for (int offset = 16; offset > 0; offset /= 2) {
    const unsigned other = __shfl_down_sync(kFullWarp, local, offset);
    local = other > local ? other : local;
  }
  any_number = __any_sync(kFullWarp, any_number);
  if ((threadIdx.x & 31u) == 0 && any_number) {
    atomicMax(result, local);
    atomicOr(result + 1, 1u);
  }
}

// Slots: ExponentHistogram::counts (kBins), then zeros, then non-finite.
constexpr int kZeroSlot = ExponentHistogram::kBins;
constexpr int kNonFiniteSlot = ExponentHistogram::kBins + 1;
constexpr int kHistogramSlots = ExponentHistogram::kBins + 2;

__global__ void __launch_bounds__(kThreads) histogram_kernel(const float* x, std::int64_t n,
                                                            unsigned long long* counts) {
  __shared__ unsigned block_counts[kHistogramSlots];
  for (int s = threadIdx.x; s < kHistogramSlots; s += blockDim.x) block_counts[s] = 0;
  __syncthreads();
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    const float v = x[i];
    int slot = kZeroSlot;
    if ((bits_of(v) & 0x7f800000u) == 0x7f800000u) slot = kNonFiniteSlot;  // Inf, NaN
    else if (v != 0.0f) slot = exponent_of(v) - ExponentHistogram::kMinExponent;
    atomicAdd(&block_counts[slot], 1u);
  }
  __syncthreads();
  for (int s = threadIdx.x; s < kHistogramSlots; s += blockDim.x)
    if (block_counts[s] != 0) atomicAdd(&counts[s], static_cast<unsigned long long>(block_counts[s]));
}

}  // namespace

QuantizeCounts CudaBackend::quantize(const Tensor& in, Tensor& out, const QuantizeSpec& spec) {
  check_same_numel("quantize", in, out);
  check_device("quantize", in, Device::cuda);
  check_device("quantize", out, Device::cuda);
  check_quantize_format(spec);
  const ElementQuantizer quantizer(spec, in.id());
  auto* counts = results_.as<unsigned long long>(3);
  MPSIM_CUDA_CHECK(cudaMemset(counts, 0, 3 * sizeof(unsigned long long)));
  if (in.numel() > 0) {
    const auto kernel = quantizer.use_fast ? quantize_kernel<true> : quantize_kernel<false>;
    kernel<<<grid(in.numel() / 4 + 1), kThreads>>>(in.data(), out.data(), in.numel(), quantizer, counts);
    MPSIM_CUDA_CHECK_LAUNCH(quantize_kernel);
  }
  unsigned long long host[3] = {};
  MPSIM_CUDA_CHECK(cudaMemcpy(host, counts, sizeof host, cudaMemcpyDeviceToHost));
  traffic_.read("quantize", in);
  out.set_format(spec.format);
  traffic_.write("quantize", out);
  return {static_cast<std::int64_t>(host[0]), static_cast<std::int64_t>(host[1]), static_cast<std::int64_t>(host[2])};
}

float CudaBackend::device_amax(const float* x, std::int64_t n) {
  if (n == 0) return 0.0f;  // as the CPU: no element, no NaN
  auto* result = results_.as<unsigned>(2);
  MPSIM_CUDA_CHECK(cudaMemset(result, 0, 2 * sizeof(unsigned)));
  amax_kernel<<<grid(n), kThreads>>>(x, n, result);
  MPSIM_CUDA_CHECK_LAUNCH(amax_kernel);
  unsigned host[2] = {};
  MPSIM_CUDA_CHECK(cudaMemcpy(host, result, sizeof host, cudaMemcpyDeviceToHost));
  return host[1] != 0 ? float_from_bits(host[0]) : float_from_bits(kCanonicalNanBits);  // all NaN: NaN
}

float CudaBackend::amax(const Tensor& t) {
  check_device("amax", t, Device::cuda);
  const float result = device_amax(t.data(), t.numel());
  traffic_.read("amax", t);
  return result;
}

ExponentHistogram CudaBackend::exponent_histogram(const Tensor& t) {
  check_device("exponent_histogram", t, Device::cuda);
  auto* counts = results_.as<unsigned long long>(kHistogramSlots);
  MPSIM_CUDA_CHECK(cudaMemset(counts, 0, kHistogramSlots * sizeof(unsigned long long)));
  if (t.numel() > 0) {
    histogram_kernel<<<grid(t.numel()), kThreads>>>(t.data(), t.numel(), counts);
    MPSIM_CUDA_CHECK_LAUNCH(histogram_kernel);
  }
  unsigned long long host[kHistogramSlots] = {};
  MPSIM_CUDA_CHECK(cudaMemcpy(host, counts, sizeof host, cudaMemcpyDeviceToHost));
  ExponentHistogram h;
  for (int s = 0; s < ExponentHistogram::kBins; ++s)
    h.counts[static_cast<std::size_t>(s)] = static_cast<std::int64_t>(host[s]);
  h.zeros = static_cast<std::int64_t>(host[kZeroSlot]);
  h.non_finite = static_cast<std::int64_t>(host[kNonFiniteSlot]);
  traffic_.read("exponent_histogram", t);
  return h;
}

}  // namespace mpsim::kernels
