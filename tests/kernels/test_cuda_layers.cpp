// The layer and optimizer kernels of training on the GPU against the CPU backend (runner and
// kinds of agreement: cuda_diff.hpp). All of them promise bits: the arithmetic is
// kernels/layer_ops.hpp on both sides, reductions run in one fixed order in double.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/backend.hpp"
#include "tests/kernels/cuda_diff.hpp"
#include "tests/kernels/kernel_test_support.hpp"

using namespace mpsim;
using namespace mpsim::kernels;
using namespace mpsim::kernels::testing;

namespace {

std::int64_t count_of(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// Values with many ties (a 3-bit-mantissa grid) and, where asked, NaNs: what max pooling's
// first-maximum rule must agree on.
std::vector<float> pool_input(std::int64_t n, std::uint64_t seed, bool with_nan) {
  std::vector<float> v = values_in(formats::hfp8_lo, static_cast<std::size_t>(n), seed, {1.0, 0.0});
  if (with_nan)
    for (std::size_t i = 5; i < v.size(); i += 37) v[i] = NAN;
  return v;
}

}  // namespace

TEST_CASE("add, scale, transpose and the counts on the GPU equal the CPU", "[cuda][kernels][layers]") {
  auto a = values_in(formats::fp32, 3 * 5 * 7, 21, {2.0, 0.0});
  auto b = values_in(formats::fp32, 3 * 5 * 7, 22, {2.0, 0.0});
  a[4] = INFINITY;
  a[9] = NAN;
  b[9] = NAN;
  b[11] = -INFINITY;
  auto b_changed = a;
  for (std::size_t i = 0; i < b_changed.size(); i += 10) b_changed[i] += 1.0f;  // i = 0 hits the Inf: stays
  check_case({"add, scale, transpose, count_non_finite, count_different", [=](Backend& be) {
                Tensor ta = be.from_host({3, 5, 7}, a, formats::fp32, "a");
                Tensor tb = be.from_host({3, 5, 7}, b, formats::fp32, "b");
                Tensor tc = be.from_host({3, 5, 7}, b_changed, formats::fp32, "a changed");
                Tensor sum = be.empty({3, 5, 7}, formats::fp32, "sum");
                Tensor scaled = be.empty({3, 5, 7}, formats::fp32, "scaled");
                Tensor transposed = be.empty({3, 7, 5}, formats::fp32, "transposed");
                be.add(ta, tb, sum);
                be.add(sum, ta, sum);  // in place, as dx += src
                be.scale(ta, 65536.0f, scaled);
                be.transpose(ta, transposed, 3, 5, 7);
                Outcome out;
                out.outputs.push_back({"a + b + a", be.to_host(sum), Match::bits_any_nan});
                out.outputs.push_back({"a * 2^16", be.to_host(scaled), Match::bits_any_nan});
                out.outputs.push_back({"transpose", be.to_host(transposed)});
                out.counts = {be.count_non_finite(ta), be.count_non_finite(tb), be.count_different(ta, tc),
                              be.count_different(ta, ta)};
                return out;
              }});
}

TEST_CASE("batch norm forward and backward on the GPU equal the CPU", "[cuda][kernels][layers]") {
  for (const std::vector<std::int64_t>& shape : {std::vector<std::int64_t>{4, 6, 5, 3}, {16, 5}}) {
    const std::int64_t n = count_of(shape), c = shape[1];
    const auto x = values_in(formats::fp32, static_cast<std::size_t>(n), 31, {3.0, 0.0});
    const auto dy = values_in(formats::fp32, static_cast<std::size_t>(n), 32);
    const auto gamma = values_in(formats::fp32, static_cast<std::size_t>(c), 33);
    const auto beta = values_in(formats::fp32, static_cast<std::size_t>(c), 34);
    check_case({"batchnorm " + std::to_string(shape.size()) + "-d: train forward, backward, eval forward",
                [=](Backend& be) {
                  Tensor tx = be.from_host(shape, x, formats::fp32, "x");
                  Tensor tg = be.from_host({c}, gamma, formats::fp32, "gamma");
                  Tensor tb = be.from_host({c}, beta, formats::fp32, "beta");
                  Tensor rm = be.zeros({c}, formats::fp32, "running_mean");
                  Tensor rv = be.from_host({c}, std::vector<float>(static_cast<std::size_t>(c), 1.0f), formats::fp32,
                                           "running_var");
                  Tensor mean = be.empty({c}, formats::fp32, "mean");
                  Tensor inv_std = be.empty({c}, formats::fp32, "inv_std");
                  Tensor xhat = be.empty(shape, formats::fp32, "xhat");
                  Tensor y = be.empty(shape, formats::fp32, "y");
                  be.batchnorm_forward({1e-5, 0.1, true}, tx, tg, tb, rm, rv, mean, inv_std, &xhat, y);
                  Outcome out;
                  out.outputs.push_back({"train y", be.to_host(y)});
                  out.outputs.push_back({"xhat", be.to_host(xhat)});
                  out.outputs.push_back({"mean", be.to_host(mean)});
                  out.outputs.push_back({"inv_std", be.to_host(inv_std)});
                  out.outputs.push_back({"running_mean", be.to_host(rm)});
                  out.outputs.push_back({"running_var", be.to_host(rv)});
                  Tensor tdy = be.from_host(shape, dy, formats::fp32, "dy");
                  Tensor dgamma = be.empty({c}, formats::fp32, "dgamma");
                  Tensor dbeta = be.empty({c}, formats::fp32, "dbeta");
                  Tensor dx = be.empty(shape, formats::fp32, "dx");
                  be.batchnorm_backward(tdy, xhat, tg, inv_std, dgamma, dbeta, &dx);
                  out.outputs.push_back({"dgamma", be.to_host(dgamma)});
                  out.outputs.push_back({"dbeta", be.to_host(dbeta)});
                  out.outputs.push_back({"dx", be.to_host(dx)});
                  be.batchnorm_forward({1e-5, 0.1, false}, tx, tg, tb, rm, rv, mean, inv_std, nullptr, y);
                  out.outputs.push_back({"eval y", be.to_host(y)});
                  return out;
                }});
  }
}

TEST_CASE("max and average pooling on the GPU equal the CPU", "[cuda][kernels][layers]") {
  struct PoolCase {
    std::vector<std::int64_t> shape;
    PoolSpec spec;
    bool with_nan;
  };
  const PoolCase cases[] = {
      {{2, 3, 8, 8}, {2, 2}, false},  // LeNet-5's window
      {{2, 2, 9, 7}, {3, 2}, true},   // overlapping windows: gradients of shared inputs sum
      {{1, 2, 8, 8}, {2, 3}, false},  // gaps between windows: their inputs get 0
  };
  for (const PoolCase& p : cases) {
    const std::int64_t n = count_of(p.shape);
    const std::int64_t oh = (p.shape[2] - p.spec.kernel) / p.spec.stride + 1;
    const std::int64_t ow = (p.shape[3] - p.spec.kernel) / p.spec.stride + 1;
    const std::vector<std::int64_t> out_shape{p.shape[0], p.shape[1], oh, ow};
    const auto x = pool_input(n, 41 + static_cast<std::uint64_t>(p.spec.kernel), p.with_nan);
    const auto dy = values_in(formats::fp32, static_cast<std::size_t>(count_of(out_shape)), 42);
    const auto dmean = values_in(formats::fp32, static_cast<std::size_t>(p.shape[0] * p.shape[1]), 43);
    check_case({"pool " + std::to_string(p.spec.kernel) + "x" + std::to_string(p.spec.kernel) + " stride " +
                    std::to_string(p.spec.stride),
                [=](Backend& be) {
                  Tensor tx = be.from_host(p.shape, x, formats::fp32, "x");
                  Tensor y = be.empty(out_shape, formats::fp32, "y");
                  Tensor tdy = be.from_host(out_shape, dy, formats::fp32, "dy");
                  Tensor dx = be.empty(p.shape, formats::fp32, "dx");
                  Tensor argmax = be.empty(out_shape, formats::fp32, "argmax");
                  be.maxpool_forward(p.spec, tx, y, argmax);
                  be.maxpool_backward(p.spec, argmax, tdy, dx);
                  Tensor mean = be.empty({p.shape[0], p.shape[1]}, formats::fp32, "mean");
                  Tensor tdm = be.from_host({p.shape[0], p.shape[1]}, dmean, formats::fp32, "dmean");
                  Tensor dmx = be.empty(p.shape, formats::fp32, "dx of mean");
                  be.avgpool_forward(tx, mean);
                  be.avgpool_backward(tdm, dmx);
                  Outcome out;
                  out.outputs.push_back({"max", be.to_host(y)});
                  out.outputs.push_back({"argmax", be.to_host(argmax)});
                  out.outputs.push_back({"max dx", be.to_host(dx)});
                  out.outputs.push_back({"mean", be.to_host(mean), Match::bits_any_nan});
                  out.outputs.push_back({"mean dx", be.to_host(dmx)});
                  return out;
                }});
  }
  check_case({"maxpool output of the wrong shape", [](Backend& be) {
                Tensor x = be.zeros({1, 1, 4, 4}, formats::fp32, "x");
                Tensor y = be.zeros({1, 1, 3, 3}, formats::fp32, "y");
                Tensor argmax = be.zeros({1, 1, 3, 3}, formats::fp32, "argmax");
                be.maxpool_forward({2, 2}, x, y, argmax);
                return Outcome{};
              }});
}

TEST_CASE("SGD and Adam updates on the GPU equal the CPU", "[cuda][kernels][optimizer]") {
  const std::int64_t n = 1003;
  const auto w = values_in(formats::fp32, n, 51);
  const auto g = values_in(formats::fp32, n, 52, {1024.0, 0.0});  // loss-scaled
  const auto buf = values_in(formats::fp32, n, 53, {0.1, 0.0});
  for (const bool nesterov : {false, true})
    check_case({std::string("sgd") + (nesterov ? " nesterov" : ""), [=](Backend& be) {
                  Tensor tw = be.from_host({n}, w, formats::fp32, "master");
                  Tensor tg = be.from_host({n}, g, formats::fp32, "grad");
                  Tensor tm = be.from_host({n}, buf, formats::fp32, "momentum");
                  be.sgd_update({0.05f, 1.0f / 1024, 5e-4f, 0.9f, nesterov}, tw, tg, tm);
                  Outcome out;
                  out.outputs.push_back({"master", be.to_host(tw)});
                  out.outputs.push_back({"momentum", be.to_host(tm)});
                  return out;
                }});
  // A zero gradient in every 9th element.
  auto g0 = g;
  for (std::size_t i = 0; i < g0.size(); i += 9) g0[i] = 0.0f;
  for (const bool decoupled : {false, true})
    check_case({decoupled ? "adamw" : "adam", [=](Backend& be) {
                  // Adam: no decay and eps 0, so the zero-gradient elements have a zero denominator.
                  const AdamSpec spec{1e-3f, 1.0f / 1024, decoupled ? 1e-2f : 0.0f, 0.9f, 0.999f,
                                      decoupled ? 1e-8f : 0.0f, 0.1f, 0.001f, decoupled};
                  Tensor tw = be.from_host({n}, w, formats::fp32, "master");
                  Tensor tg = be.from_host({n}, g0, formats::fp32, "grad");
                  Tensor m = be.zeros({n}, formats::fp32, "adam_m");
                  Tensor v = be.zeros({n}, formats::fp32, "adam_v");
                  Tensor den = be.empty({n}, formats::fp32, "denominators");
                  be.adam_moments(spec, tw, tg, m, v);
                  be.adam_denominators(spec, v, den);
                  Outcome out;
                  out.counts = {be.adam_apply(spec, tw, m, den)};
                  out.outputs.push_back({"master", be.to_host(tw)});
                  out.outputs.push_back({"m", be.to_host(m)});
                  out.outputs.push_back({"v", be.to_host(v)});
                  out.outputs.push_back({"denominators", be.to_host(den)});
                  return out;
                }});
}
