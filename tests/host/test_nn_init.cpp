// Network::build's initial values against each scheme's definition: `he` draws weights from
// N(0, 2/fan_in) with zero biases (He et al. 2015, eq. 10); `torch` draws weights and biases
// from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's nn.Conv2d and nn.Linear reset_parameters).
// The sample moments are checked against the distributions' with a 5-sigma margin.
#include <catch2/catch.hpp>

#include <cmath>

#include "host/nn/models.hpp"
#include "host/nn/network.hpp"
#include "kernels/backend.hpp"

using namespace mpsim;
using namespace mpsim::host::nn;

namespace {

struct Moments {
  double mean = 0, variance = 0, max_abs = 0;
  std::size_t n = 0;
};

Moments moments_of(const std::vector<float>& v) {
  Moments m;
  m.n = v.size();
  for (float x : v) m.mean += x;
  m.mean /= static_cast<double>(m.n);
  for (float x : v) {
    m.variance += (x - m.mean) * (x - m.mean);
    m.max_abs = std::max(m.max_abs, std::fabs(static_cast<double>(x)));
  }
  m.variance /= static_cast<double>(m.n);
  return m;
}

}  // namespace

TEST_CASE("parameter init: he and torch schemes draw from their distributions", "[host][nn]") {
  const InitScheme scheme = GENERATE(InitScheme::he, InitScheme::torch);
  INFO((scheme == InitScheme::he ? "he" : "torch"));
  auto backend = kernels::make_backend(kernels::Device::cpu, 1);
  PrecisionContext ctx(*backend, 7);
  Network net = make_model("lenet5", 1.0, {1, 28, 28}, 10);
  net.build(ctx, 4, 3, scheme);
  int weights = 0, biases = 0;
  for (const Param& p : net.params()) {
    INFO(p.name);
    const std::vector<float> v = backend->to_host(p.master);
    CHECK(v == backend->to_host(p.weight));  // the working copy starts as the master
    const Moments m = moments_of(v);
    const double fan_in = static_cast<double>(p.fan_in);
    REQUIRE(p.init != ParamInit::constant);  // lenet5 has no BN
    const bool bias = p.init == ParamInit::bias;
    (bias ? biases : weights) += 1;
    if (scheme == InitScheme::he && bias) {
      CHECK(m.max_abs == 0.0);
      continue;
    }
    // he: N(0, s^2), s^2 = 2/fan_in. torch: U(-b, b), b = 1/sqrt(fan_in), variance b^2/3.
    const double variance = scheme == InitScheme::he ? 2.0 / fan_in : 1.0 / (3.0 * fan_in);
    const double n = static_cast<double>(m.n);
    CHECK(std::fabs(m.mean) <= 5.0 * std::sqrt(variance / n));
    // Var of the sample variance: (mu4 - sigma^4)/n; mu4 = 3 sigma^4 (normal), 9/5 sigma^4 (uniform).
    const double kurtosis = scheme == InitScheme::he ? 3.0 : 1.8;
    CHECK(std::fabs(m.variance - variance) <= 5.0 * variance * std::sqrt((kurtosis - 1.0) / n) + 1e-12);
    if (scheme == InitScheme::torch) {
      CHECK(m.max_abs < 1.0 / std::sqrt(fan_in));
      CHECK(m.max_abs > 0.5 / std::sqrt(fan_in));
    }
  }
  CHECK(weights == 5);  // conv1, conv2, fc1, fc2, fc3
  CHECK(biases == 5);
}

TEST_CASE("parameter init is a pure function of the seed and differs between schemes", "[host][nn]") {
  auto backend = kernels::make_backend(kernels::Device::cpu, 1);
  const auto first_weights = [&](InitScheme scheme, std::uint64_t seed) {
    PrecisionContext ctx(*backend, 7);
    Network net = make_model("lenet5", 0.5, {1, 28, 28}, 10);
    net.build(ctx, 2, seed, scheme);
    return backend->to_host(net.params().front().master);
  };
  CHECK(first_weights(InitScheme::torch, 5) == first_weights(InitScheme::torch, 5));
  CHECK(first_weights(InitScheme::torch, 5) != first_weights(InitScheme::torch, 6));
  CHECK(first_weights(InitScheme::torch, 5) != first_weights(InitScheme::he, 5));
}
