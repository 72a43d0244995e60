// im2col / col2im against a direct definition and as adjoints; elementwise ops and reductions
// against double references; traffic; the backend factory.
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_backend.hpp"
#include "tests/kernels/kernel_test_support.hpp"

using namespace mpsim;
using namespace mpsim::kernels;

namespace {

// Small integers: every sum below is exact in fp32, so == is the right comparison.
std::vector<float> small_integers(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(static_cast<int>(rng() % 9) - 4);
  return v;
}

}  // namespace

TEST_CASE("im2col copies each tap of the PyTorch convolution definition", "[kernels][cpu][conv]") {
  CpuBackend cpu(2);
  const ConvShape shapes[] = {
      {2, 3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1},  // 3x3, pad 1
      {1, 2, 9, 9, 3, 2, 2, 3, 0, 1, 1, 1},  // strides, no pad, non-square kernel
      {2, 1, 8, 8, 3, 3, 1, 1, 2, 2, 2, 2},  // dilation 2, pad 2
      {1, 3, 224, 224, 7, 7, 2, 2, 3, 3, 1, 1}};  // ResNet's first layer
  for (const ConvShape& s : shapes) {
    const std::int64_t n_in = s.batch * s.channels * s.height * s.width;
    const auto x = small_integers(static_cast<std::size_t>(n_in), 3);
    Tensor input = cpu.from_host({s.batch, s.channels, s.height, s.width}, x, formats::fp32, "x");
    Tensor cols = cpu.empty({s.column_rows(), s.column_cols()}, formats::fp32, "cols");
    cpu.im2col(s, input, cols);
    const auto c = cpu.to_host(cols);
    // Direct definition: out(n, oh, ow) tap (ch, kh, kw) reads x[n, ch, oh*S - P + kh*D, ow*S - P + kw*D].
    int mismatches = 0;
    for (std::int64_t n = 0; n < s.batch; ++n)
      for (std::int64_t oh = 0; oh < s.out_height(); ++oh)
        for (std::int64_t ow = 0; ow < s.out_width(); ++ow)
          for (std::int64_t ch = 0; ch < s.channels; ++ch)
            for (std::int64_t kh = 0; kh < s.kernel_h; ++kh)
              for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const std::int64_t h = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
                const std::int64_t w = ow * s.stride_w - s.pad_w + kw * s.dilation_w;
                const float want = (h < 0 || h >= s.height || w < 0 || w >= s.width)
                                       ? 0.0f : x[((n * s.channels + ch) * s.height + h) * s.width + w];
                const std::int64_t row = (n * s.out_height() + oh) * s.out_width() + ow;
                const std::int64_t col = (ch * s.kernel_h + kh) * s.kernel_w + kw;
                mismatches += c[row * s.column_cols() + col] == want ? 0 : 1;
              }
    CHECK(mismatches == 0);

    // col2im is im2col's adjoint: <im2col(x), y> == <x, col2im(y)> (exact with small integers).
    const auto y = small_integers(c.size(), 4);
    Tensor ty = cpu.from_host({s.column_rows(), s.column_cols()}, y, formats::fp32, "dcols");
    Tensor dx = cpu.empty({s.batch, s.channels, s.height, s.width}, formats::fp32, "dx");
    cpu.col2im(s, ty, dx);
    const auto g = cpu.to_host(dx);
    CHECK(std::inner_product(c.begin(), c.end(), y.begin(), 0.0) == std::inner_product(x.begin(), x.end(), g.begin(), 0.0));
  }
  // ResNet-18 conv1 on 224x224: 112x112 outputs, 147 = 3*7*7 columns (issue 5's shapes).
  CHECK(shapes[3].column_rows() == 12544);
  CHECK(shapes[3].column_cols() == 147);
}

TEST_CASE("bias, relu, softmax cross-entropy and batch-norm statistics", "[kernels][cpu][elementwise]") {
  CpuBackend cpu(2);
  // bias_add / bias_grad on NCHW: bias per channel.
  const auto x = small_integers(2 * 3 * 4, 1);
  Tensor t = cpu.from_host({2, 3, 2, 2}, x, formats::fp32, "x");
  Tensor bias = cpu.from_host({3}, {1.0f, -2.0f, 0.5f}, formats::fp32, "b");
  cpu.bias_add(t, bias);
  const auto y = cpu.to_host(t);
  for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == x[i] + (i / 4 % 3 == 0 ? 1.0f : i / 4 % 3 == 1 ? -2.0f : 0.5f));
  Tensor db = cpu.empty({3}, formats::fp32, "db");
  cpu.bias_grad(t, db);
  const auto g = cpu.to_host(db);
  for (int c = 0; c < 3; ++c) {
    double sum = 0;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 4; ++i) sum += y[static_cast<std::size_t>((n * 3 + c) * 4 + i)];
    CHECK(g[static_cast<std::size_t>(c)] == static_cast<float>(sum));
  }

  // ReLU forward and backward.
  Tensor r_in = cpu.from_host({4}, {-1.0f, 0.0f, 2.0f, -0.0f}, formats::fp32, "r");
  Tensor r_out = cpu.empty({4}, formats::fp32, "ro");
  cpu.relu_forward(r_in, r_out);
  CHECK(cpu.to_host(r_out) == std::vector<float>{0.0f, 0.0f, 2.0f, 0.0f});
  Tensor dy = cpu.from_host({4}, {5.0f, 6.0f, 7.0f, 8.0f}, formats::fp32, "dy");
  cpu.relu_backward(r_in, dy, r_out);
  CHECK(cpu.to_host(r_out) == std::vector<float>{0.0f, 0.0f, 7.0f, 0.0f});

  // Softmax cross-entropy against a double reference.
  const std::vector<float> logits{1.0f, 2.0f, 3.0f, -1.0f, 0.0f, 40.0f};
  Tensor z = cpu.from_host({2, 3}, logits, formats::fp32, "z");
  Tensor dz = cpu.empty({2, 3}, formats::fp32, "dz");
  const double loss = cpu.softmax_cross_entropy(z, {2, 0}, dz);
  const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
  const double l1 = 40.0 + std::log(std::exp(-41.0) + std::exp(-40.0) + 1.0) + 1.0;
  CHECK(loss == Approx((l0 + l1) / 2).epsilon(1e-12));
  const auto grad = cpu.to_host(dz);
  CHECK(grad[2] == Approx((std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 1) / 2));
  CHECK(std::fabs(grad[0] + grad[1] + grad[2]) < 1e-7);
  CHECK_THROWS_WITH(cpu.softmax_cross_entropy(z, {2, 3}, dz), Catch::Contains("label 3 out of range"));

  // Batch-norm statistics per channel (population variance).
  Tensor bn = cpu.from_host({2, 2, 1, 2}, {1.0f, 3.0f, 10.0f, 10.0f, 5.0f, 7.0f, 10.0f, 14.0f}, formats::fp32, "bn");
  Tensor mean = cpu.empty({2}, formats::fp32, "mean"), var = cpu.empty({2}, formats::fp32, "var");
  cpu.batchnorm_stats(bn, mean, var);
  CHECK(cpu.to_host(mean) == std::vector<float>{4.0f, 11.0f});
  CHECK(cpu.to_host(var) == std::vector<float>{5.0f, 3.0f});  // {1,3,5,7}: 5; {10,10,10,14}: 3
}

TEST_CASE("kernels record traffic in the storage format and transfers stay zero on the CPU", "[kernels][cpu][traffic]") {
  CpuBackend cpu(1);
  Tensor x = cpu.from_host({4, 8}, std::vector<float>(32, 1.0f), formats::fp32, "act");
  Tensor q = cpu.empty({4, 8}, formats::fp32, "act_q");
  cpu.traffic().clear();
  cpu.quantize(x, q, {formats::e4m3});
  cpu.relu_forward(q, q);
  const auto& records = cpu.traffic().records();
  REQUIRE(records.size() == 4);
  CHECK(records[0].bytes_read == 32 * 4);     // fp32 input
  CHECK(records[1].bytes_written == 32 * 1);  // e4m3 output
  CHECK(records[2].bytes_read == 32 * 1);     // relu reads the e4m3 tensor
  CHECK(cpu.traffic().transfers().host_to_device_bytes == 0);
}

TEST_CASE("make_backend: cpu always, cuda with one clear error where unavailable", "[kernels][backend]") {
  CHECK(make_backend(Device::cpu, 1)->description().find("cpu: 1 threads") == 0);
  CHECK(parse_device("cuda") == Device::cuda);
  CHECK_THROWS_WITH(parse_device("tpu"), "unknown backend 'tpu'; allowed: cpu, cuda");
  try {
    auto gpu = make_backend(Device::cuda);
    SUCCEED("a GPU is present: " << gpu->description());
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what.find("backend cuda: ") == 0);
    CHECK(what.find('\n') == std::string::npos);
  }
}
