// GPU kernel benchmarks (issue 6), all in one run on one GPU, each figure the median of --reps
// timed repetitions after a warm-up (CUDA events around each call, so host overhead inside a call
// such as reading back quantize's counts is included):
//
//   quantize    CudaBackend::quantize on --mib MiB of fp32 data spread over every path of the
//               quantizer (normal, subnormal, overflow), against a device-to-device copy of the
//               same tensor (Backend::copy). Both read and write 4 bytes per element; the ratio
//               copy time / quantize time is the issue's figure of merit (goal: at least 0.8).
//   cuBLASLt    D = A B for square N (--sizes) through the same LtMatmulPlan gemm_fast uses:
//               FP8 e4m3 x e4m3 -> bf16 (TN, fp32 accumulation, fast accumulation off), BF16 x
//               BF16 -> bf16 and FP32 x FP32 -> fp32 (no TF32), in TFLOP/s = 2 N^3 / time.
//   gemm_exact  CudaBackend::gemm_exact on e4m3 operands with an fp32 accumulator (the fma path)
//               and an fp16 accumulator (the narrow path), square --exact-sizes, in GMAC/s =
//               N^3 / time, packing and validation included (the call as training makes it).
//
//   bench_kernels_gpu [--reps 11] [--mib 1024] [--sizes 4096,8192] [--exact-sizes 1024,2048]
//
// Without a usable GPU it prints one line saying so and exits 0 (nothing to measure is not an
// error for `make bench`).
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/backend.hpp"
#include "kernels/cuda/cublaslt_matmul.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"

using namespace mpsim;
using namespace mpsim::kernels;

namespace {

struct Options {
  int reps = 11;
  std::int64_t mib = 1024;
  std::vector<std::int64_t> sizes = {4096, 8192};
  std::vector<std::int64_t> exact_sizes = {1024, 2048};
};

std::vector<std::int64_t> parse_list(const char* flag, const char* text) {
  std::vector<std::int64_t> values;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    const long long v = std::strtoll(p, &end, 10);
    if (end == p || v <= 0) throw std::invalid_argument(std::string(flag) + ": expected positive integers separated by commas, got '" + text + "'");
    values.push_back(v);
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') throw std::invalid_argument(std::string(flag) + ": unexpected '" + end + "'");
  }
  return values;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::printf("bench_kernels_gpu [--reps 11] [--mib 1024] [--sizes 4096,8192] [--exact-sizes 1024,2048]\n");
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::invalid_argument(flag + ": missing value");
    const char* value = argv[++i];
    if (flag == "--reps") o.reps = static_cast<int>(parse_list("--reps", value).at(0));
    else if (flag == "--mib") o.mib = parse_list("--mib", value).at(0);
    else if (flag == "--sizes") o.sizes = parse_list("--sizes", value);
    else if (flag == "--exact-sizes") o.exact_sizes = parse_list("--exact-sizes", value);
    else throw std::invalid_argument("unknown option " + flag + "; allowed: --reps, --mib, --sizes, --exact-sizes");
  }
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Median milliseconds of `reps` calls of f after one warm-up call, from CUDA events on the
// default stream (where the backend and the plans run).
template <typename F>
double median_ms(int reps, F&& f) {
  cudaEvent_t start = nullptr, stop = nullptr;
  MPSIM_CUDA_CHECK(cudaEventCreate(&start));
  MPSIM_CUDA_CHECK(cudaEventCreate(&stop));
  f();
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    MPSIM_CUDA_CHECK(cudaEventRecord(start));
    f();
    MPSIM_CUDA_CHECK(cudaEventRecord(stop));
    MPSIM_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    MPSIM_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return median(times);
}

// A reproducible hash of the element index (SplitMix64's finaliser).
__device__ std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Values in [-1, 1) times 2^e, e in [-spread/2, spread/2): spread 40 covers fp8 and fp16
// subnormals and overflow, so quantize takes all its paths; small spreads suit GEMM inputs.
template <typename T>
__global__ void fill_kernel(T* x, std::int64_t n, int spread) {
  for (std::int64_t i = cuda_detail::first_index(); i < n; i += cuda_detail::grid_stride()) {
    const std::uint64_t h = mix(static_cast<std::uint64_t>(i));
    const float unit = static_cast<float>(static_cast<std::int64_t>(h >> 40) - (std::int64_t{1} << 23)) * 0x1p-23f;
    const int e = spread == 0 ? 0 : static_cast<int>((h >> 8) % static_cast<std::uint64_t>(spread)) - spread / 2;
    x[i] = T(ldexpf(unit, e));
  }
}

template <typename T>
void fill(T* x, std::int64_t n, int spread) {
  fill_kernel<<<4096, cuda_detail::kThreads>>>(x, n, spread);
  MPSIM_CUDA_CHECK_LAUNCH(fill_kernel);
}

void bench_quantize(CudaBackend& gpu, const Options& o) {
  const std::int64_t n = o.mib * (std::int64_t{1} << 18);  // fp32 elements
  Tensor x = gpu.empty({n}, formats::fp32, "x");
  Tensor y = gpu.empty({n}, formats::fp32, "y");
  fill(x.data(), n, 40);
  std::printf("\nquantize, %lld MiB fp32 in and out (%lld elements), median of %d:\n", static_cast<long long>(o.mib),
              static_cast<long long>(n), o.reps);
  const double copy_ms = median_ms(o.reps, [&] { gpu.copy(x, y); });
  const double bytes = 8.0 * static_cast<double>(n);
  std::printf("  %-34s %9.3f ms %8.1f GB/s\n", "device-to-device copy", copy_ms, bytes / copy_ms * 1e-6);
  struct Case {
    const char* name;
    QuantizeSpec spec;
  };
  const Case cases[] = {
      {"e4m3 nearest-even saturate", {formats::e4m3, Rounding::nearest_even, Overflow::saturate}},
      {"e5m2 nearest-even saturate", {formats::e5m2, Rounding::nearest_even, Overflow::saturate}},
      {"fp16 nearest-even saturate", {formats::fp16, Rounding::nearest_even, Overflow::saturate}},
      {"bf16 nearest-even saturate", {formats::bf16, Rounding::nearest_even, Overflow::saturate}},
      {"e4m3 nearest-even, scale 2^-4", {formats::e4m3, Rounding::nearest_even, Overflow::saturate, 0.0625f}},
      {"e4m3 toward zero (general path)", {formats::e4m3, Rounding::toward_zero, Overflow::saturate}},
      {"e4m3 stochastic (Philox)", {formats::e4m3, Rounding::stochastic, Overflow::saturate, 1.0f, 42, 1}},
  };
  for (const Case& c : cases) {
    const double ms = median_ms(o.reps, [&] { gpu.quantize(x, y, c.spec); });
    std::printf("  %-34s %9.3f ms %8.1f GB/s  %.2f of copy\n", c.name, ms, bytes / ms * 1e-6, copy_ms / ms);
  }
  gpu.traffic().clear();
}

// One cuBLASLt configuration: operand and output types and their sizes in bytes.
struct LtCase {
  const char* name;
  cudaDataType_t in, out;
  std::size_t in_bytes, out_bytes;
};

void bench_cublaslt(CudaBackend& gpu, cublasLtHandle_t lt, const Options& o) {
  std::printf("\ncuBLASLt D = A B, square N, median of %d (TFLOP/s = 2 N^3 / time):\n", o.reps);
  const LtCase cases[] = {
      {"FP8 e4m3 x e4m3 -> bf16", CUDA_R_8F_E4M3, CUDA_R_16BF, 1, 2},
      {"BF16 x BF16 -> bf16", CUDA_R_16BF, CUDA_R_16BF, 2, 2},
      {"FP32 x FP32 -> fp32 (no TF32)", CUDA_R_32F, CUDA_R_32F, 4, 4},
  };
  DeviceScratch a, b, d, workspace;
  for (std::int64_t n : o.sizes) {
    const std::int64_t elements = n * n;
    for (const LtCase& c : cases) {
      void* pa = a.get(static_cast<std::size_t>(elements) * c.in_bytes);
      void* pb = b.get(static_cast<std::size_t>(elements) * c.in_bytes);
      void* pd = d.get(static_cast<std::size_t>(elements) * c.out_bytes);
      if (c.in == CUDA_R_8F_E4M3) {
        fill(static_cast<__nv_fp8_e4m3*>(pa), elements, 8);
        fill(static_cast<__nv_fp8_e4m3*>(pb), elements, 8);
      } else if (c.in == CUDA_R_16BF) {
        fill(static_cast<__nv_bfloat16*>(pa), elements, 8);
        fill(static_cast<__nv_bfloat16*>(pb), elements, 8);
      } else {
        fill(static_cast<float*>(pa), elements, 8);
        fill(static_cast<float*>(pb), elements, 8);
      }
      MPSIM_CUDA_CHECK(cudaMemset(pd, 0, static_cast<std::size_t>(elements) * c.out_bytes));
      // "TN" as FP8 requires, and the same layout for the others so that only the types differ.
      LtGemmDesc desc;
      desc.trans_a = CUBLAS_OP_T;
      desc.trans_b = CUBLAS_OP_N;
      const auto u = static_cast<std::uint64_t>(n);
      desc.a = {c.in, u, u, n, 0};
      desc.b = {c.in, u, u, n, 0};
      desc.c = {c.out, u, u, n, 0};
      const LtMatmulPlan plan(lt, desc, CudaBackend::kLtWorkspaceBytes);
      if (!plan.supported()) {
        std::printf("  N %5lld  %-30s  no cuBLASLt algorithm on sm_%d\n", static_cast<long long>(n), c.name,
                    gpu.compute_capability());
        continue;
      }
      void* ws = workspace.get(CudaBackend::kLtWorkspaceBytes);
      const double ms = median_ms(o.reps, [&] { MPSIM_CUDA_CHECK(plan.run(pa, pb, pd, 1.0f, 0.0f, ws, nullptr)); });
      const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
      std::printf("  N %5lld  %-30s %9.3f ms %8.1f TFLOP/s\n", static_cast<long long>(n), c.name, ms,
                  flops / ms * 1e-9);
    }
  }
}

void bench_gemm_exact(CudaBackend& gpu, const Options& o) {
  std::printf("\ngemm_exact, e4m3 x e4m3, square N, median of %d (GMAC/s = N^3 / time, packing included):\n", o.reps);
  const MacFormats sets[] = {{formats::e4m3, formats::e4m3, formats::fp32}, {formats::e4m3, formats::e4m3, formats::fp16}};
  for (std::int64_t n : o.exact_sizes) {
    Tensor a = gpu.empty({n, n}, formats::fp32, "A");
    Tensor b = gpu.empty({n, n}, formats::fp32, "B");
    Tensor c = gpu.empty({n, n}, formats::fp32, "C");
    // e4m3 values: fill, then quantize in place (the fill's values are generic floats).
    fill(a.data(), n * n, 6);
    fill(b.data(), n * n, 6);
    gpu.quantize(a, a, {formats::e4m3});
    gpu.quantize(b, b, {formats::e4m3});
    for (const MacFormats& f : sets) {
      const double ms = median_ms(o.reps, [&] { gpu.gemm_exact({}, f, a, b, c); });
      const double macs = static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
      std::printf("  N %5lld  %-30s %9.3f ms %8.1f GMAC/s\n", static_cast<long long>(n),
                  f.acc == formats::fp32 ? "fp32 accumulator (fma)" : "fp16 accumulator (narrow)", ms,
                  macs / ms * 1e-6);
    }
    gpu.traffic().clear();
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kernels_gpu: %s\n", e.what());
    return 2;
  }
  std::unique_ptr<Backend> backend;
  try {
    backend = make_backend(Device::cuda);
  } catch (const std::runtime_error& e) {
    std::printf("bench_kernels_gpu: skipped, nothing measured: %s\n", e.what());
    return 0;
  }
  auto& gpu = dynamic_cast<CudaBackend&>(*backend);
  try {
    int runtime = 0, driver = 0;
    MPSIM_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    MPSIM_CUDA_CHECK(cudaDriverGetVersion(&driver));
    std::printf("machine: %s; CUDA runtime %d, driver %d, cuBLASLt %zu\n", gpu.description().c_str(), runtime, driver,
                cublasLtGetVersion());
    std::printf("command:");
    for (int i = 0; i < argc; ++i) std::printf(" %s", argv[i]);
    std::printf("\n");
    bench_quantize(gpu, options);
    cublasLtHandle_t lt = nullptr;
    MPSIM_CUDA_CHECK(cublasLtCreate(&lt));
    bench_cublaslt(gpu, lt, options);
    cublasLtDestroy(lt);
    bench_gemm_exact(gpu, options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kernels_gpu: %s\n", e.what());
    return 1;
  }
  return 0;
}
