// The layer and optimizer kernels of the CPU backend against direct definitions computed here in
// double: batch norm (Ioffe & Szegedy 2015), max pooling's first-maximum rule and its gradient
// (overlapping windows and gaps included), global average pooling, PyTorch's SGD and Adam, and
// the transpose and counts; plus the one-line errors for bad shapes. (Every layer's backward is
// also checked against finite differences through a network, tests/host/test_nn_gradients.cpp.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_backend.hpp"
#include "tests/kernels/kernel_test_support.hpp"

using namespace mpsim;
using namespace mpsim::kernels;
using testing::values_in;

namespace {

// |got - want| within rel of max(1, |want|): the fp32 results of double definitions.
bool near(double got, double want, double rel = 1e-6) { return std::fabs(got - want) <= rel * std::max(1.0, std::fabs(want)); }

}  // namespace

TEST_CASE("transpose, scale, add and the counts follow their definitions", "[kernels][cpu][layers]") {
  CpuBackend cpu(2);
  const auto a = values_in(formats::fp32, 2 * 3 * 4, 1);
  Tensor ta = cpu.from_host({2, 3, 4}, a, formats::fp32, "a");
  Tensor t = cpu.empty({2, 4, 3}, formats::fp32, "t");
  cpu.transpose(ta, t, 2, 3, 4);
  const auto tv = cpu.to_host(t);
  for (int b = 0; b < 2; ++b)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c) CHECK(tv[static_cast<std::size_t>((b * 4 + c) * 3 + r)] == a[static_cast<std::size_t>((b * 3 + r) * 4 + c)]);
  Tensor back = cpu.empty({2, 3, 4}, formats::fp32, "back");
  cpu.transpose(t, back, 2, 4, 3);
  CHECK(cpu.to_host(back) == a);

  Tensor s = cpu.empty({2, 3, 4}, formats::fp32, "s");
  cpu.scale(ta, 8.0f, s);
  cpu.add(s, ta, s);  // in place: 9a, exact for these values times 8 plus once
  const auto sv = cpu.to_host(s);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(sv[i] == static_cast<float>(8.0 * a[i] + a[i]));

  std::vector<float> specials{1.0f, INFINITY, -INFINITY, NAN, 0.0f, -0.0f, 3e38f, 1e-45f};
  Tensor sp = cpu.from_host({8}, specials, formats::fp32, "specials");
  CHECK(cpu.count_non_finite(sp) == 3);
  auto changed = specials;
  changed[0] = 2.0f;   // differs
  changed[5] = 0.0f;   // -0 == +0: not a change
  Tensor ch = cpu.from_host({8}, changed, formats::fp32, "changed");
  CHECK(cpu.count_different(sp, ch) == 2);  // element 0, and the NaN (NaN != NaN)
  CHECK_THROWS_WITH(cpu.transpose(ta, t, 2, 3, 5), "transpose: a [2, 3, 4] does not hold 2 x 3 x 5 values");
}

TEST_CASE("batch norm follows Ioffe and Szegedy's definition, running statistics as PyTorch's",
          "[kernels][cpu][layers]") {
  CpuBackend cpu(2);
  const std::int64_t N = 5, C = 3, H = 4, W = 2, M = N * H * W;
  const auto x = values_in(formats::fp32, N * C * H * W, 2, {3.0, 0.0});
  const auto dy = values_in(formats::fp32, N * C * H * W, 3);
  const std::vector<float> gamma{0.5f, -1.25f, 2.0f}, beta{0.1f, 0.0f, -3.0f};
  Tensor tx = cpu.from_host({N, C, H, W}, x, formats::fp32, "x");
  Tensor tg = cpu.from_host({C}, gamma, formats::fp32, "gamma");
  Tensor tb = cpu.from_host({C}, beta, formats::fp32, "beta");
  Tensor rm = cpu.from_host({C}, {0.5f, 0.0f, -1.0f}, formats::fp32, "running_mean");
  Tensor rv = cpu.from_host({C}, {1.0f, 2.0f, 0.5f}, formats::fp32, "running_var");
  Tensor mean = cpu.empty({C}, formats::fp32, "mean"), inv_std = cpu.empty({C}, formats::fp32, "inv_std");
  Tensor xhat = cpu.empty({N, C, H, W}, formats::fp32, "xhat"), y = cpu.empty({N, C, H, W}, formats::fp32, "y");
  const double eps = 1e-5, momentum = 0.1;
  cpu.batchnorm_forward({eps, momentum, true}, tx, tg, tb, rm, rv, mean, inv_std, &xhat, y);
  Tensor tdy = cpu.from_host({N, C, H, W}, dy, formats::fp32, "dy");
  Tensor dg = cpu.empty({C}, formats::fp32, "dgamma"), db = cpu.empty({C}, formats::fp32, "dbeta");
  Tensor dx = cpu.empty({N, C, H, W}, formats::fp32, "dx");
  cpu.batchnorm_backward(tdy, xhat, tg, inv_std, dg, db, &dx);
  const auto yv = cpu.to_host(y), dxv = cpu.to_host(dx), rmv = cpu.to_host(rm), rvv = cpu.to_host(rv);
  const auto at = [&](std::int64_t n, std::int64_t c, std::int64_t i) { return static_cast<std::size_t>((n * C + c) * H * W + i); };
  for (std::int64_t c = 0; c < C; ++c) {
    double mu = 0, var = 0;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < H * W; ++i) mu += x[at(n, c, i)];
    mu /= M;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < H * W; ++i) var += (x[at(n, c, i)] - mu) * (x[at(n, c, i)] - mu);
    var /= M;
    const double is = 1 / std::sqrt(var + eps);
    const double init_mean[] = {0.5, 0.0, -1.0}, init_var[] = {1.0, 2.0, 0.5};
    CHECK(near(rmv[static_cast<std::size_t>(c)], 0.9 * init_mean[c] + 0.1 * mu));
    CHECK(near(rvv[static_cast<std::size_t>(c)], 0.9 * init_var[c] + 0.1 * var * M / (M - 1)));  // unbiased
    // dbeta = sum dy, dgamma = sum dy xhat, dx = gamma is / M (M dy - dbeta - xhat dgamma).
    double sum_dy = 0, sum_dy_xhat = 0;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < H * W; ++i) {
        sum_dy += dy[at(n, c, i)];
        sum_dy_xhat += dy[at(n, c, i)] * (x[at(n, c, i)] - mu) * is;
      }
    CHECK(near(cpu.to_host(db)[static_cast<std::size_t>(c)], sum_dy, 1e-5));
    CHECK(near(cpu.to_host(dg)[static_cast<std::size_t>(c)], sum_dy_xhat, 1e-5));
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t i = 0; i < H * W; ++i) {
        const double h = (x[at(n, c, i)] - mu) * is;
        CHECK(near(yv[at(n, c, i)], gamma[static_cast<std::size_t>(c)] * h + beta[static_cast<std::size_t>(c)], 1e-5));
        const double want = gamma[static_cast<std::size_t>(c)] * is / M * (M * dy[at(n, c, i)] - sum_dy - h * sum_dy_xhat);
        CHECK(near(dxv[at(n, c, i)], want, 1e-4));
      }
  }
  // Eval: the running statistics, untouched.
  cpu.batchnorm_forward({eps, momentum, false}, tx, tg, tb, rm, rv, mean, inv_std, nullptr, y);
  CHECK(cpu.to_host(rm) == rmv);
  const auto ev = cpu.to_host(y);
  for (std::int64_t c = 0; c < C; ++c)
    for (std::int64_t i = 0; i < H * W; ++i) {
      const double h = (x[at(1, c, i)] - rmv[static_cast<std::size_t>(c)]) / std::sqrt(rvv[static_cast<std::size_t>(c)] + eps);
      CHECK(near(ev[at(1, c, i)], gamma[static_cast<std::size_t>(c)] * h + beta[static_cast<std::size_t>(c)], 1e-5));
    }
  Tensor db4 = cpu.zeros({4}, formats::fp32, "db4");
  CHECK_THROWS_WITH(cpu.batchnorm_backward(tdy, xhat, tg, rm, dg, db4, &dx),
                    "batchnorm_backward: db4 [4] must have one entry per channel of dy [5, 3, 4, 2]");
}

TEST_CASE("max pooling takes the first maximum, NaN wins, and routes each gradient there",
          "[kernels][cpu][layers]") {
  CpuBackend cpu(2);
  struct Case {
    std::int64_t h, w, kernel, stride;
  };
  for (const Case k : {Case{6, 6, 2, 2}, Case{7, 9, 3, 2}, Case{8, 8, 2, 3}, Case{5, 5, 5, 1}}) {
    INFO("kernel " << k.kernel << " stride " << k.stride);
    const std::int64_t planes = 3, oh = (k.h - k.kernel) / k.stride + 1, ow = (k.w - k.kernel) / k.stride + 1;
    // A coarse grid (many ties) with a NaN in the second plane.
    auto x = values_in(formats::hfp8_lo, static_cast<std::size_t>(planes * k.h * k.w), 4);
    x[static_cast<std::size_t>(k.h * k.w + 4)] = NAN;
    const auto dy = values_in(formats::fp32, static_cast<std::size_t>(planes * oh * ow), 5);
    Tensor tx = cpu.from_host({1, planes, k.h, k.w}, x, formats::fp32, "x");
    Tensor y = cpu.empty({1, planes, oh, ow}, formats::fp32, "y");
    Tensor tdy = cpu.from_host({1, planes, oh, ow}, dy, formats::fp32, "dy");
    Tensor dx = cpu.empty({1, planes, k.h, k.w}, formats::fp32, "dx");
    Tensor argmax = cpu.empty({1, planes, oh, ow}, formats::fp32, "argmax");
    cpu.maxpool_forward({k.kernel, k.stride}, tx, y, argmax);
    cpu.maxpool_backward({k.kernel, k.stride}, argmax, tdy, dx);
    const auto yv = cpu.to_host(y), dxv = cpu.to_host(dx), where = cpu.to_host(argmax);
    std::vector<double> want_dx(x.size(), 0.0);
    for (std::int64_t p = 0; p < planes; ++p)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          std::int64_t best = -1;
          for (std::int64_t a = 0; a < k.kernel; ++a)
            for (std::int64_t b = 0; b < k.kernel; ++b) {
              const std::int64_t src = (p * k.h + i * k.stride + a) * k.w + j * k.stride + b;
              const float v = x[static_cast<std::size_t>(src)];
              if (best < 0) best = src;
              else if (!std::isnan(x[static_cast<std::size_t>(best)]) && (std::isnan(v) || v > x[static_cast<std::size_t>(best)]))
                best = src;
            }
          const auto o = static_cast<std::size_t>((p * oh + i) * ow + j);
          const float got = yv[o], want = x[static_cast<std::size_t>(best)];
          CHECK((got == want || (std::isnan(got) && std::isnan(want))));
          const std::int64_t a = (best / k.w) % k.h - i * k.stride, b = best % k.w - j * k.stride;
          CHECK(where[o] == static_cast<float>(a * k.kernel + b));  // the offset in the window
          want_dx[static_cast<std::size_t>(best)] += dy[o];
        }
    for (std::size_t e = 0; e < x.size(); ++e) CHECK(near(dxv[e], want_dx[e]));
  }
  Tensor x = cpu.zeros({1, 1, 4, 4}, formats::fp32, "x"), y = cpu.zeros({1, 1, 3, 3}, formats::fp32, "y");
  Tensor argmax = cpu.zeros({1, 1, 3, 3}, formats::fp32, "argmax");
  CHECK_THROWS_WITH(cpu.maxpool_forward({2, 2}, x, y, argmax),
                    "maxpool_forward: y must be [1, 1, 2, 2] (x x [1, 1, 4, 4], y y [1, 1, 3, 3], kernel 2, stride 2)");
  CHECK_THROWS_WITH(cpu.maxpool_forward({5, 1}, x, y, argmax),
                    "maxpool_forward: the window is larger than the input (x x [1, 1, 4, 4], y y [1, 1, 3, 3], "
                    "kernel 5, stride 1)");
}

TEST_CASE("max pooling's gradient gathered per input element, as the GPU does, equals the CPU's scatter",
          "[kernels][cpu][layers]") {
  // The CUDA kernel gives each input element the gradients of the windows whose saved argmax it
  // is, visiting windows first_window..last_window in ascending order (kernels/layer_ops.hpp);
  // here that walk runs on the host, against the CPU backend, in bits.
  CpuBackend cpu(1);
  struct Case {
    std::int64_t h, w, kernel, stride;
  };
  for (const Case k : {Case{6, 6, 2, 2}, Case{9, 7, 3, 2}, Case{8, 8, 2, 3}, Case{7, 7, 3, 1}, Case{5, 6, 5, 4}}) {
    INFO("h " << k.h << " w " << k.w << " kernel " << k.kernel << " stride " << k.stride);
    const PoolSpec spec{k.kernel, k.stride};
    const std::int64_t oh = (k.h - k.kernel) / spec.stride + 1, ow = (k.w - k.kernel) / spec.stride + 1;
    auto x = values_in(formats::hfp8_lo, static_cast<std::size_t>(k.h * k.w), 10);
    x[3] = NAN;
    const auto dy = values_in(formats::fp32, static_cast<std::size_t>(oh * ow), 11);
    Tensor tx = cpu.from_host({1, 1, k.h, k.w}, x, formats::fp32, "x");
    Tensor tdy = cpu.from_host({1, 1, oh, ow}, dy, formats::fp32, "dy");
    Tensor dx = cpu.empty({1, 1, k.h, k.w}, formats::fp32, "dx");
    Tensor y = cpu.empty({1, 1, oh, ow}, formats::fp32, "y"), argmax = cpu.empty({1, 1, oh, ow}, formats::fp32, "argmax");
    cpu.maxpool_forward(spec, tx, y, argmax);
    cpu.maxpool_backward(spec, argmax, tdy, dx);
    const auto scattered = cpu.to_host(dx), where = cpu.to_host(argmax);
    for (std::int64_t row = 0; row < k.h; ++row)
      for (std::int64_t col = 0; col < k.w; ++col) {
        float sum = 0.0f;
        for (std::int64_t i = first_window(row, spec); i <= last_window(row, oh, spec); ++i)
          for (std::int64_t j = first_window(col, spec); j <= last_window(col, ow, spec); ++j)
            if (window_source(static_cast<std::int64_t>(where[static_cast<std::size_t>(i * ow + j)]), k.w,
                              i * spec.stride, j * spec.stride, spec.kernel) == row * k.w + col)
              sum += dy[static_cast<std::size_t>(i * ow + j)];
        CHECK(testing::same_bits(sum, scattered[static_cast<std::size_t>(row * k.w + col)]));
      }
  }
}

TEST_CASE("global average pooling is the plane mean and spreads its gradient evenly", "[kernels][cpu][layers]") {
  CpuBackend cpu(2);
  const auto x = values_in(formats::fp32, 2 * 3 * 5 * 7, 6);
  Tensor tx = cpu.from_host({2, 3, 5, 7}, x, formats::fp32, "x");
  Tensor y = cpu.empty({2, 3}, formats::fp32, "y");
  cpu.avgpool_forward(tx, y);
  Tensor dy = cpu.from_host({2, 3}, {1, 2, 3, 4, 5, 35}, formats::fp32, "dy");
  Tensor dx = cpu.empty({2, 3, 5, 7}, formats::fp32, "dx");
  cpu.avgpool_backward(dy, dx);
  const auto yv = cpu.to_host(y), dxv = cpu.to_host(dx);
  for (std::size_t p = 0; p < 6; ++p) {
    double sum = 0;
    for (std::size_t i = 0; i < 35; ++i) sum += x[p * 35 + i];
    CHECK(yv[p] == static_cast<float>(sum / 35));  // the double mean, rounded once
    CHECK(near(dxv[p * 35 + 34], (p < 5 ? static_cast<double>(p + 1) : 35.0) / 35));
  }
  CHECK_THROWS_WITH(cpu.avgpool_forward(tx, dx), "avgpool_forward: x x [2, 3, 5, 7] must be [N, C, H, W] and y dx "
                                                 "[2, 3, 5, 7] [N, C]");
}

TEST_CASE("SGD and Adam updates follow PyTorch's definitions", "[kernels][cpu][optimizer]") {
  CpuBackend cpu(2);
  const std::int64_t n = 257;
  const auto w = values_in(formats::fp32, n, 7);
  auto g = values_in(formats::fp32, n, 8, {256.0, 0.0});
  for (std::size_t i = 0; i < g.size(); i += 8) g[i] = 0.0f;
  const auto buf = values_in(formats::fp32, n, 9, {0.1, 0.0});
  const double lr = 0.05, inv = 1.0 / 256, wd = 5e-4, mom = 0.9;
  for (const bool nesterov : {false, true}) {
    Tensor tw = cpu.from_host({n}, w, formats::fp32, "w"), tg = cpu.from_host({n}, g, formats::fp32, "g");
    Tensor tb = cpu.from_host({n}, buf, formats::fp32, "buf");
    cpu.sgd_update({0.05f, 1.0f / 256, 5e-4f, 0.9f, nesterov}, tw, tg, tb);
    const auto wv = cpu.to_host(tw), bv = cpu.to_host(tb);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double d = g[i] * inv + wd * w[i], b = mom * buf[i] + d;
      CHECK(near(bv[i], b));
      CHECK(near(wv[i], w[i] - lr * (nesterov ? d + mom * b : b)));
    }
  }
  // Adam, step t = 3 (bias corrections 1 - beta^3), from zero moments; eps 0 so that the zero
  // gradients give zero denominators: those elements keep their value and are counted.
  const double b1 = 0.9, b2 = 0.999, c1 = 1 - std::pow(b1, 3), c2 = 1 - std::pow(b2, 3);
  for (const bool decoupled : {false, true}) {
    INFO((decoupled ? "adamw" : "adam"));
    const double decay = decoupled ? 1e-2 : 0.0, eps = decoupled ? 1e-8 : 0.0;
    const AdamSpec spec{1e-3f, 1.0f / 256, static_cast<float>(decay), 0.9f, 0.999f, static_cast<float>(eps),
                        static_cast<float>(c1), static_cast<float>(c2), decoupled};
    Tensor tw = cpu.from_host({n}, w, formats::fp32, "w"), tg = cpu.from_host({n}, g, formats::fp32, "g");
    Tensor m = cpu.zeros({n}, formats::fp32, "m"), v = cpu.zeros({n}, formats::fp32, "v");
    Tensor den = cpu.empty({n}, formats::fp32, "den");
    cpu.adam_moments(spec, tw, tg, m, v);
    cpu.adam_denominators(spec, v, den);
    const std::int64_t zeros = cpu.adam_apply(spec, tw, m, den);
    CHECK(zeros == (decoupled ? 0 : (n + 7) / 8));
    const auto wv = cpu.to_host(tw);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double gi = g[i] * inv, mi = (1 - b1) * gi, vi = (1 - b2) * gi * gi;
      const double d = std::sqrt(vi / c2) + eps;
      const double update = (d == 0 ? 0.0 : (mi / c1) / d) + decay * w[i];
      CHECK(near(wv[i], w[i] - 1e-3 * update, 1e-5));
    }
  }
}
