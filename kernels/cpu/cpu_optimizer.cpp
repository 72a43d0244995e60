// The optimizers' updates on the CPU, one element at a time through kernels/layer_ops.hpp (the
// CUDA backend runs the same functions, kernels/cuda/cuda_optimizer.cu).
#include <omp.h>

#include "kernels/cpu/cpu_backend.hpp"

namespace mpsim::kernels {

void CpuBackend::sgd_update(const SgdSpec& spec, Tensor& master, const Tensor& grad, Tensor& momentum) {
  check_same_numels("sgd_update", {&master, &grad, &momentum});
  float *w = master.data(), *buf = momentum.data();
  const float* g = grad.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < master.numel(); ++i) sgd_element(spec, g[i], w[i], buf[i]);
  traffic_.record("sgd_update", {&grad, &master, &momentum}, {&master, &momentum});
}

void CpuBackend::adam_moments(const AdamSpec& spec, const Tensor& master, const Tensor& grad, Tensor& m, Tensor& v) {
  check_same_numels("adam_moments", {&master, &grad, &m, &v});
  const float *w = master.data(), *g = grad.data();
  float *pm = m.data(), *pv = v.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < master.numel(); ++i) adam_moments_element(spec, g[i], w[i], pm[i], pv[i]);
  traffic_.record("adam_moments", {&grad, &master, &m, &v}, {&m, &v});
}

void CpuBackend::adam_denominators(const AdamSpec& spec, const Tensor& v, Tensor& denominators) {
  check_same_numel("adam_denominators", v, denominators);
  const float* pv = v.data();
  float* den = denominators.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < v.numel(); ++i) den[i] = adam_denominator(spec, pv[i]);
  traffic_.record("adam_denominators", {&v}, {&denominators});
}

std::int64_t CpuBackend::adam_apply(const AdamSpec& spec, Tensor& master, const Tensor& m,
                                    const Tensor& denominators) {
  check_same_numels("adam_apply", {&master, &m, &denominators});
  float* w = master.data();
  const float *pm = m.data(), *den = denominators.data();
  std::int64_t zero_denominators = 0;
#pragma omp parallel for reduction(+ : zero_denominators) num_threads(threads_) schedule(static)
  for (std::int64_t i = 0; i < master.numel(); ++i) {
    zero_denominators += den[i] == 0.0f ? 1 : 0;
    adam_apply_element(spec, pm[i], den[i], w[i]);
  }
  traffic_.record("adam_apply", {&m, &denominators, &master}, {&master});
  return zero_denominators;
}

}  // namespace mpsim::kernels
