// Every layer's backward against central finite differences: for a small network around the
// layer, L(θ) = Σ_i w_i y_i(θ) with fixed random w (summed in double), and for sampled
// parameter elements (L(θ + h) - L(θ - h)) / 2h, computed in double, against the analytic dθ.
// Parameters *before* a layer see its input gradient, so each layer's dx is checked through
// the layer in front of it. The networks run in fp32 (no rounding), BN in training mode.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>

#include "host/nn/models.hpp"
#include "host/nn/network.hpp"
#include "kernels/backend.hpp"

using namespace mpsim;
using namespace mpsim::host::nn;

namespace {

struct GradientCase {
  const char* name;
  std::vector<std::int64_t> input;  // [C, H, W]
  std::function<Network(const std::vector<std::int64_t>&)> build;
};

std::vector<GradientCase> cases() {
  return {
      {"conv stride 2 pad 1 bias, conv dx", {2, 7, 7},
       [](const auto& in) {
         Network n(in, 3);
         int x = n.conv("conv1", 0, 3, 3, 1, 1, true);
         x = n.conv("conv2", x, 4, 3, 2, 1, true);
         n.linear("fc", n.flatten("flatten", x), 3);
         return n;
       }},
      {"linear, relu, flatten", {1, 3, 4},
       [](const auto& in) {
         Network n(in, 4);
         int x = n.flatten("flatten", 0);
         x = n.relu("relu", n.linear("fc1", x, 6));
         n.linear("fc2", x, 4);
         return n;
       }},
      {"batchnorm (train), relu, avgpool", {2, 5, 5},
       [](const auto& in) {
         Network n(in, 3);
         int x = n.conv("conv1", 0, 3, 3, 1, 1, false);
         x = n.relu("relu", n.batchnorm("bn", x));
         n.linear("fc", n.avgpool("avgpool", x), 3);
         return n;
       }},
      {"maxpool", {1, 6, 6},
       [](const auto& in) {
         Network n(in, 2);
         int x = n.conv("conv1", 0, 2, 3, 1, 1, true);
         x = n.maxpool("pool", x, 2, 2);
         n.linear("fc", n.flatten("flatten", x), 2);
         return n;
       }},
      {"maxpool 3x3 stride 2 (overlapping windows)", {1, 7, 7},
       [](const auto& in) {
         Network n(in, 2);
         int x = n.conv("conv1", 0, 2, 3, 1, 1, true);
         x = n.maxpool("pool", x, 3, 2);
         n.linear("fc", n.flatten("flatten", x), 2);
         return n;
       }},
      {"residual add with a shared input", {2, 4, 4},
       [](const auto& in) {
         Network n(in, 2);
         int a = n.conv("conv1", 0, 3, 3, 1, 1, true);
         int b = n.conv("conv2", a, 3, 3, 1, 1, true);
         int y = n.add("add", a, b);
         n.linear("fc", n.flatten("flatten", y), 2);
         return n;
       }},
      {"resnet8 (width 0.25)", {1, 8, 8}, [](const auto& in) { return make_model("resnet8", 0.25, in, 3); }},
  };
}

}  // namespace

TEST_CASE("layer gradients equal central finite differences", "[host][nn]") {
  const GradientCase c = GENERATE(from_range(cases()));
  INFO(c.name);
  auto backend = kernels::make_backend(kernels::Device::cpu, 1);
  PrecisionContext ctx(*backend, 7);
  Network net = c.build(c.input);
  constexpr std::int64_t kBatch = 3;
  net.build(ctx, kBatch, 11);
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(kBatch * c.input[0] * c.input[1] * c.input[2]));
  for (auto& v : x) v = normal(rng);
  std::vector<float> w(static_cast<std::size_t>(kBatch * net.classes()));
  for (auto& v : w) v = normal(rng);

  const auto objective = [&] {
    net.refresh_weights(ctx);
    const auto y = backend->to_host(net.forward(ctx, x, kBatch, true));
    double sum = 0;
    for (std::size_t i = 0; i < y.size(); ++i) sum += static_cast<double>(w[i]) * y[i];
    return sum;
  };
  objective();
  net.backward_from(ctx, w);
  std::vector<std::vector<float>> grads;
  for (const auto& p : net.params()) grads.push_back(backend->to_host(p.grad));

  int checked = 0;
  for (std::size_t pi = 0; pi < net.params().size(); ++pi) {
    Param& p = net.params()[pi];
    const std::int64_t n = p.master.numel();
    for (std::int64_t e = 0; e < n; e += std::max<std::int64_t>(1, n / 7)) {
      float* m = p.master.data() + e;
      const float saved = *m;
      const float h = 1e-3f;  // small enough that no ReLU or max-pool kink is crossed, large against fp32 noise
      *m = saved + h;
      const double up = objective();
      *m = saved - h;
      const double down = objective();
      *m = saved;
      const double fd = (up - down) / (static_cast<double>(saved + h) - static_cast<double>(saved - h));
      const double g = grads[pi][static_cast<std::size_t>(e)];
      INFO(p.name << "[" << e << "]: analytic " << g << ", finite difference " << fd);
      CHECK(std::fabs(fd - g) <= 2e-3 + 2e-2 * std::fabs(g));
      ++checked;
    }
  }
  CHECK(checked > 10);
}
