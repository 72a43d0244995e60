// CPU kernels: gemm_fast GFLOP/s on square sizes and on the im2col shapes of a small CNN, against
// plain Eigen fp32 on unquantized data in the same run (the goal: quantized operands
// cost at most 1.2x); gemm_exact GMAC/s per path; quantize GB/s against memcpy.
//
//   bench_kernels_cpu [--threads 2] [--reps 5] [--quick]
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <fmt/core.h>

#include "bench/bench_timing.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "model/format_names.hpp"

using namespace mpsim;
using namespace mpsim::kernels;

namespace {

std::vector<float> gaussian(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

struct GemmShape {
  std::string name;
  std::int64_t m, n, k;
};

// gemm_fast on e4m3-quantized operands (quantize included, and alone) vs Eigen on fp32.
void bench_gemm_fast(CpuBackend& cpu, const GemmShape& s, int reps) {
  const auto a = gaussian(static_cast<std::size_t>(s.m * s.k), 1), b = gaussian(static_cast<std::size_t>(s.k * s.n), 2);
  Tensor ta = cpu.from_host({s.m, s.k}, a, formats::fp32, "A"), tb = cpu.from_host({s.k, s.n}, b, formats::fp32, "B");
  Tensor qa = cpu.empty({s.m, s.k}, formats::e4m3, "Aq"), qb = cpu.empty({s.k, s.n}, formats::e4m3, "Bq");
  Tensor tc = cpu.empty({s.m, s.n}, formats::fp32, "C");
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const RowMatrix> ea(a.data(), s.m, s.k), eb(b.data(), s.k, s.n);
  RowMatrix ec(s.m, s.n);
  Eigen::setNbThreads(cpu.threads());
  const double eigen = bench::median_seconds(reps, [&] { ec.noalias() = ea * eb; });
  const double gemm_only = bench::median_seconds(reps, [&] { cpu.gemm_fast({}, qa, qb, tc); });
  const double with_quantize = bench::median_seconds(reps, [&] {
    cpu.quantize(ta, qa, {formats::e4m3});
    cpu.quantize(tb, qb, {formats::e4m3});
    cpu.gemm_fast({}, qa, qb, tc);
  });
  cpu.traffic().clear();
  const double flops = 2.0 * static_cast<double>(s.m * s.n * s.k);
  fmt::print("{:<22} {:>6} {:>6} {:>6} {:>10.1f} {:>10.1f} {:>10.1f} {:>8.2f} {:>8.2f}\n", s.name, s.m, s.n, s.k,
             flops / eigen * 1e-9, flops / gemm_only * 1e-9, flops / with_quantize * 1e-9, gemm_only / eigen,
             with_quantize / eigen);
}

void bench_gemm_exact(CpuBackend& cpu, const char* a_fmt, const char* acc_fmt, std::int64_t size, int reps) {
  const MacFormats f{parse_format(a_fmt), parse_format(a_fmt), parse_format(acc_fmt)};
  std::vector<float> a = gaussian(static_cast<std::size_t>(size * size), 3), b = gaussian(static_cast<std::size_t>(size * size), 4);
  for (float& x : a) x = static_cast<float>(quantize(x, f.a));
  for (float& x : b) x = static_cast<float>(quantize(x * 0.01f, f.b));
  Tensor ta = cpu.from_host({size, size}, a, f.a, "A"), tb = cpu.from_host({size, size}, b, f.b, "B");
  Tensor tc = cpu.empty({size, size}, f.acc, "C");
  const double t = bench::median_seconds(reps, [&] { cpu.gemm_exact({}, f, ta, tb, tc); });
  cpu.traffic().clear();
  const char* path = f.acc == formats::fp32 ? "fma chain" : has_narrow_mac_fast_path(f) ? "mac_narrow" : "model dot()";
  fmt::print("{:<10} {:<8} {:>6} {:<12} {:>10.3f}\n", a_fmt, acc_fmt, size, path,
             static_cast<double>(size * size * size) / t * 1e-9);
}

void bench_quantize(CpuBackend& cpu, std::int64_t mib, int reps) {
  const std::int64_t n = mib * 1024 * 1024 / 4;
  const auto x = gaussian(static_cast<std::size_t>(n), 5);
  Tensor in = cpu.from_host({n}, x, formats::fp32, "x"), out = cpu.empty({n}, formats::fp32, "q");
  std::vector<float> copy(static_cast<std::size_t>(n));
  const double memcpy_s = bench::median_seconds(reps, [&] { std::memcpy(copy.data(), x.data(), x.size() * 4); });
  const double gb = static_cast<double>(n) * 4 * 1e-9;
  fmt::print("{:<24} {:>10.2f} {:>10.2f}\n", "memcpy (1 thread)", gb / memcpy_s, 1.0);
  const std::pair<const char*, QuantizeSpec> cases[] = {
      {"e4m3 nearest", {formats::e4m3}},
      {"e5m2 nearest", {formats::e5m2}},
      {"bf16 nearest", {formats::bf16}},
      {"e4m3 stochastic", {formats::e4m3, Rounding::stochastic}},
      {"e4m3 toward zero", {formats::e4m3, Rounding::toward_zero}}};
  for (const auto& [name, spec] : cases) {
    const double t = bench::median_seconds(reps, [&] { cpu.quantize(in, out, spec); });
    fmt::print("{:<24} {:>10.2f} {:>10.2f}\n", name, gb / t, memcpy_s / t);
  }
  cpu.traffic().clear();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CPU kernel benchmarks"};
  int threads = 0, reps = 5;
  bool quick = false;
  app.add_option("--threads", threads, "Threads (0: all)");
  app.add_option("--reps", reps, "Timed repetitions per case (median reported)");
  app.add_flag("--quick", quick, "Smaller sizes, for a smoke run");
  CLI11_PARSE(app, argc, argv);

  CpuBackend cpu(threads);
  fmt::print("bench_kernels_cpu: {}; median of {} reps after a warm-up\n\n", cpu.description(), reps);

  fmt::print("gemm_fast (GFLOP/s; ratios are times relative to Eigen fp32)\n");
  fmt::print("{:<22} {:>6} {:>6} {:>6} {:>10} {:>10} {:>10} {:>8} {:>8}\n", "shape", "M", "N", "K", "eigen_fp32",
             "gemm_fast", "+quantize", "x_gemm", "x_total");
  std::vector<GemmShape> shapes = {{"square 512", 512, 512, 512}, {"square 1024", 1024, 1024, 1024}};
  if (!quick) shapes.push_back({"square 2048", 2048, 2048, 2048});
  // ResNet-8 style CNN on 32x32 CIFAR images, batch 128: im2col GEMMs (M = N*OH*OW, K = C*KH*KW).
  shapes.push_back({"conv1 3->16 3x3", 128 * 32 * 32, 16, 27});
  shapes.push_back({"conv 16->16 3x3", 128 * 32 * 32, 16, 144});
  shapes.push_back({"conv 32->32 3x3 (16x16)", 128 * 16 * 16, 32, 288});
  shapes.push_back({"conv 64->64 3x3 (8x8)", 128 * 8 * 8, 64, 576});
  shapes.push_back({"fc 64->10", 128, 10, 64});
  for (const GemmShape& s : shapes) bench_gemm_fast(cpu, s, reps);

  fmt::print("\ngemm_exact (GMAC/s, square)\n{:<10} {:<8} {:>6} {:<12} {:>10}\n", "inputs", "acc", "size", "path", "GMAC/s");
  const std::int64_t size = quick ? 128 : 512;
  bench_gemm_exact(cpu, "e4m3", "fp32", size, reps);
  bench_gemm_exact(cpu, "e4m3", "fp16", size, reps);
  bench_gemm_exact(cpu, "fp16", "fp16", size, reps);
  bench_gemm_exact(cpu, "e4m3", "bf16", size / 4, reps);

  fmt::print("\nquantize (GB/s of fp32 input, 64 MiB; ratio = kernel throughput / memcpy throughput)\n");
  fmt::print("{:<24} {:>10} {:>10}\n", "kernel", "GB/s", "x memcpy");
  bench_quantize(cpu, quick ? 16 : 64, reps);
  return 0;
}
