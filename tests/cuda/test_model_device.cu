// model/'s numerics compiled by nvcc and run on the GPU: the device results must equal the host
// results bit for bit (STYLE.md 4, one bit-exact chain). Skipped without a GPU
// (tests/support/catch_main_cuda.cpp).
#include <catch2/catch.hpp>

#include <cuda_runtime.h>

#include <random>
#include <vector>

#include "model/mac.hpp"
#include "model/philox.hpp"
#include "model/quantize.hpp"
#include "model/quantize_fast.hpp"

using namespace mpsim;

namespace {

// Per element: the general encode (stochastic, with Philox bits), the fast fp32 path, and a MAC
// with an fp16 accumulator.
__global__ void model_kernel(const float* x, std::uint32_t* stochastic, float* fast, std::uint32_t* mac_out, int n,
                             FloatFormat f, Fp32Quantizer q, MacFormats mf) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  stochastic[i] = encode(x[i], f, {Rounding::stochastic, Overflow::saturate}, random_bits(3, 1, i)).bits;
  fast[i] = q(x[i]);
  mac_out[i] = mac(static_cast<std::uint32_t>(i) & 0x7bffu, bits_of(x[i]) >> 24, static_cast<std::uint32_t>(i) & 0xffu, mf).bits;
}

}  // namespace

TEST_CASE("model/ numerics give the same bits on the GPU as on the host", "[cuda][model]") {
  constexpr int n = 1 << 16;
  std::mt19937 rng(11);
  std::vector<float> x(n);
  for (float& v : x) v = std::ldexp(std::uniform_real_distribution<float>(-2, 2)(rng), static_cast<int>(rng() % 40) - 20);
  const FloatFormat f = formats::e4m3;
  const Fp32Quantizer q(formats::e5m2, Overflow::saturate);
  const MacFormats mf{formats::e4m3, formats::e5m2, formats::fp16};

  std::vector<std::uint32_t> host_stochastic(n), host_mac(n);
  std::vector<float> host_fast(n);
  for (int i = 0; i < n; ++i) {
    host_stochastic[i] = encode(x[i], f, {Rounding::stochastic, Overflow::saturate}, random_bits(3, 1, i)).bits;
    host_fast[i] = q(x[i]);
    host_mac[i] = mac(static_cast<std::uint32_t>(i) & 0x7bffu, bits_of(x[i]) >> 24, static_cast<std::uint32_t>(i) & 0xffu, mf).bits;
  }

  float *dx = nullptr, *dfast = nullptr;
  std::uint32_t *dstoch = nullptr, *dmac = nullptr;
  REQUIRE(cudaMalloc(&dx, n * sizeof(float)) == cudaSuccess);
  REQUIRE(cudaMalloc(&dfast, n * sizeof(float)) == cudaSuccess);
  REQUIRE(cudaMalloc(&dstoch, n * sizeof(std::uint32_t)) == cudaSuccess);
  REQUIRE(cudaMalloc(&dmac, n * sizeof(std::uint32_t)) == cudaSuccess);
  REQUIRE(cudaMemcpy(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess);
  model_kernel<<<(n + 255) / 256, 256>>>(dx, dstoch, dfast, dmac, n, f, q, mf);
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  std::vector<std::uint32_t> dev_stochastic(n), dev_mac(n);
  std::vector<float> dev_fast(n);
  REQUIRE(cudaMemcpy(dev_stochastic.data(), dstoch, n * sizeof(std::uint32_t), cudaMemcpyDeviceToHost) == cudaSuccess);
  REQUIRE(cudaMemcpy(dev_fast.data(), dfast, n * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess);
  REQUIRE(cudaMemcpy(dev_mac.data(), dmac, n * sizeof(std::uint32_t), cudaMemcpyDeviceToHost) == cudaSuccess);
  cudaFree(dx);
  cudaFree(dfast);
  cudaFree(dstoch);
  cudaFree(dmac);

  int mismatches = 0;
  for (int i = 0; i < n; ++i) {
    const bool ok = dev_stochastic[i] == host_stochastic[i] && bits_of(dev_fast[i]) == bits_of(host_fast[i]) &&
                    dev_mac[i] == host_mac[i];
    if (!ok && mismatches++ < 5) FAIL_CHECK("element " << i << " x=" << x[i] << " differs between host and device");
  }
  CHECK(mismatches == 0);
}
