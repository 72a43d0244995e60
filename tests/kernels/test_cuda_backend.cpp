// The CUDA backend against the CPU backend, the reference: quantize, the reductions, the GEMMs,
// the convolution lowering and the elementwise ops (the layer and optimizer kernels are in
// test_cuda_layers.cpp). The runner and the kinds of agreement: tests/kernels/cuda_diff.hpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/backend.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "model/format_names.hpp"
#include "tests/kernels/cuda_diff.hpp"
#include "tests/kernels/kernel_test_support.hpp"

using namespace mpsim;
using namespace mpsim::kernels;
using namespace mpsim::kernels::testing;

namespace {

// fp32 values over every class a quantizer meets: Gaussians times 2^[-30, 20] (normal, fp8/fp16
// subnormal, overflow), fp32 subnormals, +-0, +-Inf, NaN, values beyond bf16's range.
const std::vector<float>& quantize_input() {
  static const std::vector<float> values = [] {
    std::vector<float> v(20011);  // odd: the CUDA kernel's 4-wide body and its tail
    std::mt19937_64 rng(2024);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    std::uniform_int_distribution<int> scale(-30, 20);
    for (std::size_t i = 0; i < v.size(); ++i) {
      switch (i % 97) {
        case 0: v[i] = INFINITY; break;
        case 1: v[i] = -INFINITY; break;
        case 2: v[i] = NAN; break;
        case 3: v[i] = -0.0f; break;
        case 4: v[i] = 0.0f; break;
        case 5: v[i] = std::ldexp(gauss(rng), -135); break;  // fp32 subnormal
        case 6: v[i] = 3.0e38f * (rng() % 2 ? 1.0f : -1.0f); break;
        default: v[i] = std::ldexp(gauss(rng), scale(rng));
      }
    }
    return v;
  }();
  return values;
}

// --- the cases ------------------------------------------------------------------------------

DiffCase quantize_case(const FloatFormat& f, Rounding r, Overflow o, float scale, bool in_place) {
  const std::string name = "quantize " + format_name(f) + " rounding " + std::to_string(static_cast<int>(r)) +
                           " overflow " + std::to_string(static_cast<int>(o)) + " scale " + std::to_string(scale) +
                           (in_place ? " in place" : "");
  return {name, [=](Backend& be) {
            const std::vector<float>& input = quantize_input();
            const auto n = static_cast<std::int64_t>(input.size());
            Tensor x = be.from_host({n}, input, formats::fp32, "x");
            Tensor y = in_place ? x : be.empty({n}, formats::fp32, "y");
            // Twice on the same tensor: the same Philox stream, so the same bits both times.
            const QuantizeCounts first = be.quantize(x, y, {f, r, o, scale, 0x5eedull, 7});
            Outcome out;
            out.outputs.push_back({"y", be.to_host(y)});
            if (!in_place) {
              const QuantizeCounts second = be.quantize(x, y, {f, r, o, scale, 0x5eedull, 7});
              out.outputs.push_back({"y again", be.to_host(y)});
              out.counts = {second.overflow, second.underflow_to_zero, second.nan};
            }
            out.counts.insert(out.counts.end(), {first.overflow, first.underflow_to_zero, first.nan});
            return out;
          }};
}

DiffCase reduction_case(const std::string& name, std::vector<float> values) {
  return {"amax and histogram: " + name, [=](Backend& be) {
            Tensor x = be.from_host({static_cast<std::int64_t>(values.size())}, values, formats::fp32, "x");
            Outcome out;
            out.outputs.push_back({"amax", {be.amax(x)}});
            const ExponentHistogram h = be.exponent_histogram(x);
            out.counts.assign(h.counts.begin(), h.counts.end());
            out.counts.push_back(h.zeros);
            out.counts.push_back(h.non_finite);
            return out;
          }};
}

struct GemmShape {
  std::int64_t batch, m, n, k;
};

// A and B stored as the spec says, values of their formats (with `specials` Inf/NaN/subnormals
// where the formats have them), C of the accumulator format.
struct GemmOperands {
  std::vector<std::int64_t> a_shape, b_shape, c_shape;
  std::vector<float> a, b, c;
};
GemmOperands gemm_operands(const GemmShape& s, const GemmSpec& spec, const MacFormats& f, std::uint64_t seed,
                           testing::ValueMix mix) {
  GemmOperands o;
  o.a_shape = spec.trans_a ? std::vector<std::int64_t>{s.batch, s.k, s.m} : std::vector<std::int64_t>{s.batch, s.m, s.k};
  o.b_shape = spec.trans_b ? std::vector<std::int64_t>{s.batch, s.n, s.k} : std::vector<std::int64_t>{s.batch, s.k, s.n};
  o.c_shape = {s.batch, s.m, s.n};
  o.a = values_in(f.a, static_cast<std::size_t>(s.batch * s.m * s.k), seed, mix);
  o.b = values_in(f.b, static_cast<std::size_t>(s.batch * s.k * s.n), seed + 1, mix);
  o.c = values_in(f.acc, static_cast<std::size_t>(s.batch * s.m * s.n), seed + 2, {mix.scale, 0.0});
  return o;
}

DiffCase gemm_exact_case(const GemmShape& s, const GemmSpec& spec, const MacFormats& f, testing::ValueMix mix) {
  const std::string name = "gemm_exact " + format_name(f.a) + " x " + format_name(f.b) + " -> " + format_name(f.acc) +
                           " " + std::to_string(s.batch) + "x" + std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
                           std::to_string(s.k) + (spec.trans_a ? " At" : "") + (spec.trans_b ? " Bt" : "") +
                           (spec.accumulate ? " +C" : "") + " specials " + std::to_string(mix.specials) + " scale " +
                           std::to_string(mix.scale);
  const GemmOperands o = gemm_operands(s, spec, f, static_cast<std::uint64_t>(s.m * 131 + s.k), mix);
  return {name, [=](Backend& be) {
            Tensor a = be.from_host(o.a_shape, o.a, f.a, "A");
            Tensor b = be.from_host(o.b_shape, o.b, f.b, "B");
            Tensor c = be.from_host(o.c_shape, o.c, f.acc, "C");
            const GemmExactCounts counts = be.gemm_exact(spec, f, a, b, c);
            Outcome out;
            out.outputs.push_back({"C", be.to_host(c)});
            out.counts = {counts.non_finite_outputs};
            return out;
          }};
}

// gemm_fast's bound against the exact product (Higham, Accuracy and Stability, eq. 3.5, any
// summation order): |c - ref| <= gamma_K * (sum_k |a_k b_k| + |c0|), gamma_K = K u / (1 - K u),
// u = 2^-24, K + 1 terms when accumulating. The native FP8 path is held to a wider, named bound:
// Hopper's FP8 MMA keeps about 14 bits in its internal sums (DeepSeek-V3 technical report,
// section 3.3.2) and cuBLASLt, with fast accumulation off, promotes them to fp32 every MMA K-block
// of 32, so within a block an error up to about 32 * 2^-13 = 2^-8 of sum |a_k b_k| is possible.
constexpr double kFp8PathRelativeBound = 0x1p-8;

DiffCase gemm_fast_case(const std::string& label, const GemmShape& s, const GemmSpec& spec, const FloatFormat& fa,
                        const FloatFormat& fb, std::vector<float> a, std::vector<float> b, std::vector<float> c0) {
  const std::vector<std::int64_t> a_shape =
      spec.trans_a ? std::vector<std::int64_t>{s.batch, s.k, s.m} : std::vector<std::int64_t>{s.batch, s.m, s.k};
  const std::vector<std::int64_t> b_shape =
      spec.trans_b ? std::vector<std::int64_t>{s.batch, s.n, s.k} : std::vector<std::int64_t>{s.batch, s.k, s.n};
  // The double reference and the bound of each output.
  std::vector<double> reference(c0.size()), bound(c0.size()), fp8_bound(c0.size());
  for (std::int64_t p = 0; p < s.batch; ++p)
    for (std::int64_t i = 0; i < s.m; ++i)
      for (std::int64_t j = 0; j < s.n; ++j) {
        const std::size_t at = static_cast<std::size_t>((p * s.m + i) * s.n + j);
        double sum = spec.accumulate ? c0[at] : 0.0, magnitude = spec.accumulate ? std::fabs(c0[at]) : 0.0;
        for (std::int64_t kk = 0; kk < s.k; ++kk) {
          const double av = a[static_cast<std::size_t>(p * s.m * s.k + (spec.trans_a ? kk * s.m + i : i * s.k + kk))];
          const double bv = b[static_cast<std::size_t>(p * s.k * s.n + (spec.trans_b ? j * s.k + kk : kk * s.n + j))];
          sum += av * bv;
          magnitude += std::fabs(av * bv);
        }
        const double terms = static_cast<double>(s.k + (spec.accumulate ? 1 : 0));
        const double gamma = terms * 0x1p-24 / (1 - terms * 0x1p-24);
        reference[at] = sum;
        bound[at] = gamma * magnitude;
        fp8_bound[at] = std::max(gamma, kFp8PathRelativeBound) * magnitude;
      }
  return {label, [=](Backend& be) {
            Tensor ta = be.from_host(a_shape, a, fa, "A");
            Tensor tb = be.from_host(b_shape, b, fb, "B");
            Tensor tc = be.from_host({s.batch, s.m, s.n}, c0, formats::fp32, "C");
            Outcome out;
            out.path = be.gemm_fast(spec, ta, tb, tc);
            out.outputs.emplace_back("C", be.to_host(tc), reference, bound, fp8_bound);
            return out;
          }};
}

}  // namespace

TEST_CASE("cuda backend describes its device", "[cuda][kernels]") {
  const std::string text = backends().gpu->description();
  INFO(text);
  CHECK(text.rfind("cuda: ", 0) == 0);
  CHECK(text.find(" (sm_" + std::to_string(cuda_backend().compute_capability()) + ")") != std::string::npos);
}

TEST_CASE("quantize on the GPU equals the CPU bit for bit, stochastic rounding included", "[cuda][kernels][quantize]") {
  const FloatFormat fmts[] = {formats::e4m3, formats::e5m2, formats::fp16, formats::bf16, formats::e4m3fnuz,
                              formats::hfp8_lo, parse_format("e3m2_ftz")};
  for (const FloatFormat& f : fmts)
    for (Rounding r : {Rounding::nearest_even, Rounding::nearest_away, Rounding::toward_zero, Rounding::stochastic})
      for (Overflow o : {Overflow::saturate, Overflow::infinity})
        for (float scale : {1.0f, 0.125f, 3.0f, 0x1p-120f, 0x1p120f}) check_case(quantize_case(f, r, o, scale, false));
  check_case(quantize_case(formats::e4m3, Rounding::stochastic, Overflow::saturate, 16.0f, true));
  check_case(quantize_case(formats::fp16, Rounding::nearest_even, Overflow::infinity, 1.0f, true));
}

TEST_CASE("amax and the exponent histogram on the GPU equal the CPU", "[cuda][kernels][reduction]") {
  check_case(reduction_case("mixed", quantize_input()));
  check_case(reduction_case("all NaN", {NAN, NAN, NAN}));
  check_case(reduction_case("zeros and -0", {0.0f, -0.0f, 0.0f}));
  check_case(reduction_case("empty", {}));
  check_case(reduction_case("subnormals and -Inf", {0x1p-149f, -0x1.8p-140f, -INFINITY, 0x1p127f}));
}

TEST_CASE("gemm_exact on the GPU equals the CPU bit for bit", "[cuda][kernels][gemm_exact]") {
  const MacFormats format_sets[] = {
      {formats::e4m3, formats::e4m3, formats::fp32},      // fma chain
      {formats::e4m3, formats::e5m2, formats::fp16},      // narrow fast path
      {formats::e5m2, formats::e5m2, formats::fp16},
      {formats::fp16, formats::fp16, formats::fp32},
      {formats::bf16, formats::bf16, formats::fp32},
      {formats::bf16, formats::bf16, formats::bf16},      // dot() on codes: no fast path
      {formats::e4m3fnuz, formats::e5m2fnuz, formats::fp16},
      {formats::hfp8_lo, formats::hfp8_grad, formats::fp16_169},
  };
  const GemmShape shapes[] = {{1, 1, 1, 1}, {1, 37, 29, 67}, {2, 70, 130, 40}, {1, 16, 16, 1}, {3, 5, 9, 0}};
  int variant = 0;
  for (const MacFormats& f : format_sets)
    for (const GemmShape& s : shapes)
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          const GemmSpec spec{ta, tb, (variant++ % 2) == 1};
          check_case(gemm_exact_case(s, spec, f, {1.0, 0.0}));
        }
  // Inf, NaN, -0 and subnormal operands (the general path for the batches that hold them), and
  // accumulators that overflow (products far beyond fp16's range).
  for (const MacFormats& f : format_sets) {
    check_case(gemm_exact_case({2, 33, 17, 45}, {false, true, true}, f, {1.0, 0.03}));
    check_case(gemm_exact_case({1, 24, 40, 64}, {true, false, false}, f, {300.0, 0.0}));
  }
}

TEST_CASE("gemm_exact on the GPU rejects values outside their formats with the CPU's message", "[cuda][kernels][gemm_exact]") {
  const MacFormats f{formats::e4m3, formats::e4m3, formats::fp16};
  // Batch 1 of A and batch 0 of B hold a value that is no e4m3 value: the CPU checks batch 0's A,
  // then batch 0's B, so both backends must name B and its value.
  DiffCase c{"gemm_exact invalid operands", [&](Backend& be) {
               std::vector<float> av(2 * 4 * 8, 1.0f), bv(2 * 8 * 4, 0.5f);
               av[40] = 0.1f;
               bv[13] = 1.0625f;
               Tensor a = be.from_host({2, 4, 8}, av, f.a, "A");
               Tensor b = be.from_host({2, 8, 4}, bv, f.b, "B");
               Tensor out = be.zeros({2, 4, 4}, f.acc, "C");
               be.gemm_exact({}, f, a, b, out);
               return Outcome{};
             }};
  const auto [cpu, gpu] = check_case(c);
  CHECK(cpu.error.find("gemm_exact: B (B) holds 1.062500, which is not a e4m3 value") == 0);
  DiffCase transposed{"gemm_exact invalid transposed A", [&](Backend& be) {
                        std::vector<float> av(6 * 5, 2.0f), bv(6 * 3, 1.0f);
                        av[17] = 3e-9f;
                        Tensor a = be.from_host({6, 5}, av, f.a, "A");
                        Tensor b = be.from_host({6, 3}, bv, f.b, "B");
                        Tensor out = be.zeros({5, 3}, f.acc, "C");
                        be.gemm_exact({true, false, false}, f, a, b, out);
                        return Outcome{};
                      }};
  CHECK(check_case(transposed).second.error.find("gemm_exact: A (A) holds") == 0);
}

TEST_CASE("gemm_fast on the GPU is within the fp32 bound and reports its path", "[cuda][kernels][gemm_fast]") {
  CudaBackend& gpu = cuda_backend();
  const bool fp8_capable = gpu.compute_capability() >= 89;
  struct Expect {
    std::string label;
    GemmShape shape;
    FloatFormat fa, fb;
    double scale;
    bool fp8;  // whether the native FP8 path must be taken on an sm_89+ GPU
  };
  const Expect cases[] = {
      {"e4m3 x e4m3, multiples of 16", {2, 64, 48, 32}, formats::e4m3, formats::e4m3, 1.0, true},
      {"e4m3 x e5m2", {1, 32, 16, 64}, formats::e4m3, formats::e5m2, 1.0, true},
      {"e5m2 x e4m3", {1, 16, 32, 16}, formats::e5m2, formats::e4m3, 4.0, true},
      {"e5m2 x e5m2 (no such cuBLASLt kernel)", {1, 32, 32, 32}, formats::e5m2, formats::e5m2, 1.0, false},
      {"e4m3, sizes not multiples of 16", {1, 37, 29, 67}, formats::e4m3, formats::e4m3, 1.0, false},
      {"fp32", {2, 33, 65, 129}, formats::fp32, formats::fp32, 1.0, false},
      {"fp16 x bf16", {1, 64, 64, 64}, formats::fp16, formats::bf16, 1.0, false},
  };
  for (const Expect& e : cases)
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (bool acc : {false, true}) {
          const GemmShape& s = e.shape;
          const GemmSpec spec{ta, tb, acc};
          const auto seed = static_cast<std::uint64_t>(s.m + 7 * s.k);
          const auto a = values_in(e.fa, static_cast<std::size_t>(s.batch * s.m * s.k), seed, {e.scale, 0.0});
          const auto b = values_in(e.fb, static_cast<std::size_t>(s.batch * s.k * s.n), seed + 1, {e.scale, 0.0});
          const auto c0 = values_in(formats::fp32, static_cast<std::size_t>(s.batch * s.m * s.n), seed + 2);
          const auto [cpu, out] = check_case(gemm_fast_case(e.label, s, spec, e.fa, e.fb, a, b, c0));
          INFO(e.label << (ta ? " At" : "") << (tb ? " Bt" : "") << (acc ? " +C" : "") << ": path "
                       << gemm_path_name(out.path) << " (" << gpu.gemm_fast_note() << ")");
          CHECK(out.path == (e.fp8 && fp8_capable ? GemmPath::cublaslt_fp8 : GemmPath::cublas_fp32));
          if (out.path == GemmPath::cublas_fp32) CHECK(!gpu.gemm_fast_note().empty());
        }
}

TEST_CASE("gemm_fast's FP8 path: exact on integers, and scaled tensors converted exactly", "[cuda][kernels][gemm_fast]") {
  // A backend of its own: tensors made here must not shift the shared pair's tensor ids.
  const std::unique_ptr<Backend> own = make_backend(Device::cuda);
  CudaBackend& gpu = dynamic_cast<CudaBackend&>(*own);
  if (gpu.compute_capability() < 89) WARN("sm_" << gpu.compute_capability() << ": no FP8 path; checking the fallback");
  // Small integers: every product and partial sum is an integer below 2^11, exact in any
  // accumulator of 14 bits or more, so the result must equal the exact one (STYLE.md 4).
  const GemmShape s{1, 32, 48, 128};
  std::mt19937 rng(5);
  std::vector<float> a(static_cast<std::size_t>(s.m * s.k)), b(static_cast<std::size_t>(s.k * s.n));
  for (float& v : a) v = static_cast<float>(static_cast<int>(rng() % 7) - 3);
  for (float& v : b) v = static_cast<float>(static_cast<int>(rng() % 7) - 3);
  std::vector<float> exact(static_cast<std::size_t>(s.m * s.n), 0.0f);
  for (std::int64_t i = 0; i < s.m; ++i)
    for (std::int64_t j = 0; j < s.n; ++j)
      for (std::int64_t kk = 0; kk < s.k; ++kk)
        exact[static_cast<std::size_t>(i * s.n + j)] += a[static_cast<std::size_t>(i * s.k + kk)] * b[static_cast<std::size_t>(kk * s.n + j)];
  Tensor ta = gpu.from_host({s.m, s.k}, a, formats::e4m3, "A");
  Tensor tb = gpu.from_host({s.k, s.n}, b, formats::e4m3, "B");
  Tensor tc = gpu.empty({s.m, s.n}, formats::fp32, "C");
  const GemmPath path = gpu.gemm_fast({}, ta, tb, tc);
  INFO("path " << gemm_path_name(path) << " " << gpu.gemm_fast_note());
  CHECK(gpu.to_host(tc) == exact);
  CHECK(path == (gpu.compute_capability() >= 89 ? GemmPath::cublaslt_fp8 : GemmPath::cublas_fp32));

  // A tensor quantized with a power-of-two scale holds Q(x s)/s: e4m3 values times 2^-6 whose
  // smallest ones are no e4m3 values at scale 1; the conversion must find the scale 2^j.
  std::vector<float> scaled = values_in(formats::e4m3, a.size(), 9);
  for (float& v : scaled) v = std::ldexp(v, -6);
  Tensor tscaled = gpu.from_host({s.m, s.k}, scaled, formats::e4m3, "A scaled");
  const GemmPath scaled_path = gpu.gemm_fast({}, tscaled, tb, tc);
  INFO("scaled: path " << gemm_path_name(scaled_path) << " " << gpu.gemm_fast_note());
  CHECK(scaled_path == (gpu.compute_capability() >= 89 ? GemmPath::cublaslt_fp8 : GemmPath::cublas_fp32));
  const std::vector<float> result = gpu.to_host(tc);
  for (std::int64_t i = 0; i < s.m; ++i)
    for (std::int64_t j = 0; j < s.n; ++j) {
      double ref = 0, magnitude = 0;
      for (std::int64_t kk = 0; kk < s.k; ++kk) {
        const double p = static_cast<double>(scaled[static_cast<std::size_t>(i * s.k + kk)]) * b[static_cast<std::size_t>(kk * s.n + j)];
        ref += p;
        magnitude += std::fabs(p);
      }
      CHECK(std::fabs(result[static_cast<std::size_t>(i * s.n + j)] - ref) <= kFp8PathRelativeBound * magnitude);
    }
}

TEST_CASE("im2col and col2im on the GPU equal the CPU bit for bit", "[cuda][kernels][conv]") {
  ConvShape shapes[4];
  shapes[0] = {2, 3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1};
  shapes[1] = {1, 2, 9, 11, 3, 3, 2, 2, 0, 0, 2, 2};
  shapes[2] = {3, 4, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1};
  shapes[3] = {2, 2, 8, 7, 2, 3, 2, 1, 1, 0, 1, 2};
  for (const ConvShape& s : shapes) {
    const std::int64_t inputs = s.batch * s.channels * s.height * s.width, entries = s.column_rows() * s.column_cols();
    const auto x = values_in(formats::bf16, static_cast<std::size_t>(inputs), 3);
    const auto cols = values_in(formats::fp32, static_cast<std::size_t>(entries), 4);
    check_case({"im2col/col2im " + std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + " stride " +
                    std::to_string(s.stride_h) + " dilation " + std::to_string(s.dilation_w),
                [=](Backend& be) {
                  Tensor input = be.from_host({s.batch, s.channels, s.height, s.width}, x, formats::bf16, "input");
                  Tensor columns = be.empty({s.column_rows(), s.column_cols()}, formats::fp32, "columns");
                  be.im2col(s, input, columns);
                  Tensor dcols = be.from_host({s.column_rows(), s.column_cols()}, cols, formats::fp32, "dcolumns");
                  Tensor dinput = be.empty({s.batch, s.channels, s.height, s.width}, formats::fp32, "dinput");
                  be.col2im(s, dcols, dinput);
                  Outcome out;
                  out.outputs.push_back({"columns", be.to_host(columns)});
                  out.outputs.push_back({"dinput", be.to_host(dinput)});
                  return out;
                }});
  }
}

TEST_CASE("elementwise ops and reductions on the GPU equal the CPU", "[cuda][kernels][elementwise]") {
  auto x2 = values_in(formats::fp32, 24 * 10, 11, {2.0, 0.0});
  x2[3] = -0.0f;
  x2[5] = NAN;
  const auto x4 = values_in(formats::fp32, 4 * 6 * 5 * 3, 12, {3.0, 0.0});
  const auto bias6 = values_in(formats::fp32, 6, 13);
  const auto bias10 = values_in(formats::fp32, 10, 14);
  const auto dy = values_in(formats::fp32, 24 * 10, 15);
  check_case({"bias_add, relu, bias_grad [M, N]", [=](Backend& be) {
                Tensor x = be.from_host({24, 10}, x2, formats::fp16, "x");
                Tensor b = be.from_host({10}, bias10, formats::fp32, "bias");
                Tensor y = be.empty({24, 10}, formats::fp32, "y");
                Tensor g = be.from_host({24, 10}, dy, formats::fp32, "dy");
                Tensor dx = be.empty({24, 10}, formats::fp32, "dx");
                Tensor db = be.empty({10}, formats::fp32, "dbias");
                be.relu_forward(x, y);
                be.relu_backward(x, g, dx);
                be.bias_add(x, b);
                be.bias_grad(g, db);
                Outcome out;
                out.outputs.push_back({"relu", be.to_host(y), Match::bits});
                out.outputs.push_back({"relu grad", be.to_host(dx), Match::bits});
                out.outputs.push_back({"x + bias", be.to_host(x), Match::bits_any_nan});
                out.outputs.push_back({"dbias", be.to_host(db), Match::bits});
                return out;
              }});
  check_case({"bias_add, bias_grad, batchnorm_stats [N, C, H, W]", [=](Backend& be) {
                Tensor x = be.from_host({4, 6, 5, 3}, x4, formats::fp32, "x");
                Tensor b = be.from_host({6}, bias6, formats::fp32, "bias");
                Tensor mean = be.empty({6}, formats::fp32, "mean");
                Tensor var = be.empty({6}, formats::fp32, "variance");
                Tensor db = be.empty({6}, formats::fp32, "dbias");
                be.batchnorm_stats(x, mean, var);
                be.bias_grad(x, db);
                be.bias_add(x, b);
                Outcome out;
                out.outputs.push_back({"mean", be.to_host(mean)});
                out.outputs.push_back({"variance", be.to_host(var)});
                out.outputs.push_back({"dbias", be.to_host(db)});
                out.outputs.push_back({"x + bias", be.to_host(x), Match::bits_any_nan});
                return out;
              }});
  const auto logits = values_in(formats::fp32, 33 * 10, 16, {4.0, 0.0});
  std::vector<std::int32_t> labels(33);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>((i * 7) % 10);
  check_case({"softmax cross-entropy", [=](Backend& be) {
                Tensor z = be.from_host({33, 10}, logits, formats::fp32, "logits");
                Tensor dz = be.empty({33, 10}, formats::fp32, "dlogits");
                Outcome out;
                out.scalars.push_back(be.softmax_cross_entropy(z, labels, dz));
                out.outputs.push_back({"dlogits", be.to_host(dz), Match::close});
                return out;
              }});
  check_case({"softmax cross-entropy label out of range", [=](Backend& be) {
                Tensor z = be.from_host({2, 3}, {1, 2, 3, 4, 5, 6}, formats::fp32, "logits");
                Tensor dz = be.empty({2, 3}, formats::fp32, "dlogits");
                be.softmax_cross_entropy(z, {0, 3}, dz);
                return Outcome{};
              }});
}

TEST_CASE("cuda backend counts its host transfers in bytes moved", "[cuda][kernels][traffic]") {
  // A backend of its own: tensors made here must not shift the shared pair's tensor ids.
  const std::unique_ptr<Backend> gpu = make_backend(Device::cuda);
  const std::vector<float> values(1000, 1.5f);
  Tensor t = gpu->from_host({10, 100}, values, formats::e4m3, "t");
  CHECK(gpu->traffic().transfers().host_to_device_bytes == 4000);
  CHECK(gpu->traffic().transfers().host_to_device_calls == 1);
  CHECK(gpu->to_host(t) == values);
  CHECK(gpu->traffic().transfers().device_to_host_bytes == 4000);
  CHECK(gpu->traffic().records().empty());  // transfers are not kernel traffic
  Tensor host_tensor = make_backend(Device::cpu, 1)->zeros({2}, formats::fp32, "host");
  CHECK_THROWS_WITH(gpu->fill(host_tensor, 1.0f), "fill: tensor host lives on cpu, not on cuda");
}
