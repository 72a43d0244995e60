// CPU GEMMs: gemm_exact bit-identical to model/'s dot() for every input format and both
// accumulators; gemm_fast within the fp32 accumulation bound; traffic counted from the shapes.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "kernels/backend.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "model/format_names.hpp"
#include "model/mac.hpp"
#include "tests/kernels/kernel_test_support.hpp"

using namespace mpsim;
using namespace mpsim::kernels;
using testing::values_in;

namespace {

// The reference: model/'s dot() per output on the codes, ascending k (DESIGN.md).
std::vector<float> reference_gemm(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& c0,
                                  std::int64_t m, std::int64_t n, std::int64_t k, const GemmSpec& spec,
                                  const MacFormats& f) {
  std::vector<float> c(static_cast<std::size_t>(m * n));
  std::vector<std::uint32_t> row(static_cast<std::size_t>(k)), col(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      for (std::int64_t kk = 0; kk < k; ++kk) {
        row[kk] = encode(a[spec.trans_a ? kk * m + i : i * k + kk], f.a).bits;
        col[kk] = encode(b[spec.trans_b ? j * k + kk : kk * n + j], f.b).bits;
      }
      const std::uint32_t init = encode(spec.accumulate ? c0[i * n + j] : 0.0f, f.acc).bits;
      c[i * n + j] = static_cast<float>(value_of(dot(init, row.data(), 1, col.data(), 1, k, f), f.acc));
    }
  }
  return c;
}

}  // namespace

TEST_CASE("gemm_exact equals model/'s ascending-k dot product bit for bit", "[kernels][cpu][gemm_exact]") {
  const char* input_formats[] = {"e4m3", "e5m2", "fp16", "bf16", "fp32", "hfp8_lo", "hfp8_grad"};
  const char* acc_formats[] = {"fp32", "fp16", "bf16", "hfp8_hi"};
  struct Shape {
    std::int64_t m, n, k;
  };
  const Shape shapes[] = {{1, 1, 1}, {3, 5, 1}, {7, 9, 13}, {17, 300, 33}, {2, 3, 300}};
  CpuBackend cpu(2);
  std::uint64_t seed = 1;
  for (const char* fa : input_formats) {
    for (const char* acc : acc_formats) {
      const MacFormats f{parse_format(fa), parse_format(fa == std::string("e4m3") ? "e5m2" : fa), parse_format(acc)};
      for (const Shape& s : shapes) {
        for (int variant = 0; variant < 4; ++variant) {
          const GemmSpec spec{(variant & 1) != 0, (variant & 2) != 0, variant == 3};
          // Specials in one variant in four, small magnitudes so fp16 accumulation mostly stays finite.
          const testing::ValueMix mix{0.5, variant == 2 ? 0.02 : 0.0};
          const auto a = values_in(f.a, static_cast<std::size_t>(s.m * s.k), ++seed, mix);
          const auto b = values_in(f.b, static_cast<std::size_t>(s.k * s.n), ++seed, mix);
          const auto c0 = values_in(f.acc, static_cast<std::size_t>(s.m * s.n), ++seed);
          const std::vector<std::int64_t> a_shape = spec.trans_a ? std::vector<std::int64_t>{s.k, s.m} : std::vector<std::int64_t>{s.m, s.k};
          const std::vector<std::int64_t> b_shape = spec.trans_b ? std::vector<std::int64_t>{s.n, s.k} : std::vector<std::int64_t>{s.k, s.n};
          Tensor ta = cpu.from_host(a_shape, a, f.a, "A"), tb = cpu.from_host(b_shape, b, f.b, "B");
          Tensor tc = cpu.from_host({s.m, s.n}, c0, f.acc, "C");
          cpu.gemm_exact(spec, f, ta, tb, tc);
          const auto expected = reference_gemm(a, b, c0, s.m, s.n, s.k, spec, f);
          const auto got = cpu.to_host(tc);
          int mismatches = 0;
          for (std::size_t i = 0; i < got.size(); ++i) {
            if (!testing::same_bits(got[i], expected[i]) && mismatches++ < 3)
              FAIL_CHECK(fa << " x " << format_name(f.b) << " -> " << acc << " " << s.m << "x" << s.n << "x" << s.k
                            << " variant " << variant << " output " << i << ": got " << got[i] << " expected "
                            << expected[i]);
          }
          CHECK(mismatches == 0);
        }
      }
    }
  }
}

TEST_CASE("gemm_exact is batched and independent of the thread count", "[kernels][cpu][gemm_exact]") {
  const MacFormats f{formats::e4m3, formats::e5m2, formats::fp16};
  const std::int64_t batch = 3, m = 33, n = 40, k = 71;
  const auto a = values_in(f.a, batch * m * k, 5), b = values_in(f.b, batch * k * n, 6);
  std::vector<float> results[2];
  for (int t = 1; t <= 2; ++t) {
    CpuBackend cpu(t);
    Tensor ta = cpu.from_host({batch, m, k}, a, f.a, "A"), tb = cpu.from_host({batch, k, n}, b, f.b, "B");
    Tensor tc = cpu.zeros({batch, m, n}, f.acc, "C");
    cpu.gemm_exact({}, f, ta, tb, tc);
    results[t - 1] = cpu.to_host(tc);
  }
  CHECK(results[0] == results[1]);
  // Batch 1 alone equals the second slice of the batched run.
  CpuBackend cpu(1);
  std::vector<float> a1(a.begin() + m * k, a.begin() + 2 * m * k), b1(b.begin() + k * n, b.begin() + 2 * k * n);
  Tensor ta = cpu.from_host({m, k}, a1, f.a, "A"), tb = cpu.from_host({k, n}, b1, f.b, "B");
  Tensor tc = cpu.zeros({m, n}, f.acc, "C");
  cpu.gemm_exact({}, f, ta, tb, tc);
  CHECK(cpu.to_host(tc) == std::vector<float>(results[0].begin() + m * n, results[0].begin() + 2 * m * n));
}

TEST_CASE("gemm_exact rejects operands outside their formats and bad shapes", "[kernels][cpu][gemm_exact]") {
  CpuBackend cpu(1);
  Tensor a = cpu.from_host({1, 2}, {1.0f, 0.3f}, formats::e4m3, "weights");  // 0.3 is no e4m3 value
  Tensor b = cpu.from_host({2, 1}, {1.0f, 1.0f}, formats::e4m3, "x");
  Tensor c = cpu.zeros({1, 1}, formats::fp32, "y");
  CHECK_THROWS_WITH(cpu.gemm_exact({}, {formats::e4m3, formats::e4m3, formats::fp32}, a, b, c),
                    Catch::Contains("A (weights) holds 0.3") && Catch::Contains("not a e4m3 value"));
  Tensor wrong = cpu.zeros({3, 1}, formats::fp32, "wrong");
  CHECK_THROWS_WITH(cpu.gemm_fast({}, a, wrong, c), Catch::Contains("inner dimensions differ: 2 vs 3"));
}

TEST_CASE("gemm_fast is within the fp32 accumulation bound of the exact product", "[kernels][cpu][gemm_fast]") {
  // Higham, Accuracy and Stability of Numerical Algorithms, 3.1: any summation order of a
  // length-K dot product in precision u = 2^-24 satisfies |c - c_exact| <= gamma_K sum |a_k b_k|
  // with gamma_K = K u / (1 - K u). Operands are e4m3 / bf16 values, the products exact.
  CpuBackend cpu(2);
  const std::int64_t m = 64, n = 48, k = 500;
  for (int variant = 0; variant < 4; ++variant) {
    const GemmSpec spec{(variant & 1) != 0, (variant & 2) != 0, false};
    const auto a = values_in(formats::e4m3, m * k, 11 + variant), b = values_in(formats::bf16, k * n, 21 + variant);
    Tensor ta = cpu.from_host(spec.trans_a ? std::vector<std::int64_t>{k, m} : std::vector<std::int64_t>{m, k}, a, formats::e4m3, "A");
    Tensor tb = cpu.from_host(spec.trans_b ? std::vector<std::int64_t>{n, k} : std::vector<std::int64_t>{k, n}, b, formats::bf16, "B");
    Tensor tc = cpu.zeros({m, n}, formats::fp32, "C");
    CHECK(cpu.gemm_fast(spec, ta, tb, tc) == GemmPath::eigen_fp32);
    const auto c = cpu.to_host(tc);
    const double u = std::ldexp(1.0, -24), gamma = static_cast<double>(k) * u / (1 - static_cast<double>(k) * u);
    int violations = 0;
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        double exact = 0, magnitude = 0;
        for (std::int64_t kk = 0; kk < k; ++kk) {
          const double x = a[spec.trans_a ? kk * m + i : i * k + kk], y = b[spec.trans_b ? j * k + kk : kk * n + j];
          exact += x * y;  // exact: products of 4- and 8-bit significands, sums far inside double
          magnitude += std::fabs(x * y);
        }
        violations += std::fabs(c[i * n + j] - exact) <= gamma * magnitude ? 0 : 1;
      }
    }
    CHECK(violations == 0);
  }
}

TEST_CASE("gemm kernels count the bytes of each operand in its storage format", "[kernels][cpu][traffic]") {
  CpuBackend cpu(1);
  const std::int64_t m = 8, n = 5, k = 3;
  Tensor a = cpu.from_host({m, k}, values_in(formats::e4m3, m * k, 1), formats::e4m3, "A");
  Tensor b = cpu.from_host({k, n}, values_in(formats::fp16, k * n, 2), formats::fp16, "B");
  Tensor c = cpu.zeros({m, n}, formats::fp32, "C");
  cpu.traffic().clear();
  cpu.gemm_exact({false, false, true}, {formats::e4m3, formats::fp16, formats::fp32}, a, b, c);
  const auto bytes = cpu.traffic().bytes_by_tensor();
  CHECK(bytes.at("A") == m * k * 1);
  CHECK(bytes.at("B") == k * n * 2);
  CHECK(bytes.at("C") == 2 * m * n * 4);  // read (accumulate) and written
  CHECK(cpu.traffic().total_read() == m * k + k * n * 2 + m * n * 4);
  CHECK(cpu.traffic().total_written() == m * n * 4);
}
