// The optimizers' updates on the GPU: one thread per element through the functions of
// kernels/layer_ops.hpp that kernels/cpu/cpu_optimizer.cpp runs, so bit for bit the same (IEEE
// division and square root, no contraction: kernels/cuda/CMakeLists.txt). The zero-denominator
// count is an integer sum (add_count).
#include <cuda_runtime.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"
#include "kernels/layer_ops.hpp"

namespace mpsim::kernels {
namespace {

using cuda_detail::add_count;
using cuda_detail::first_index;
using cuda_detail::grid_stride;
using cuda_detail::kThreads;

__global__ void __launch_bounds__(kThreads) sgd_kernel(SgdSpec spec, float* w, const float* g, float* buf,
                                                      std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) sgd_element(spec, g[i], w[i], buf[i]);
}

__global__ void __launch_bounds__(kThreads) adam_moments_kernel(AdamSpec spec, const float* w, const float* g,
                                                               float* m, float* v, std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) adam_moments_element(spec, g[i], w[i], m[i], v[i]);
}

__global__ void __launch_bounds__(kThreads) adam_denominators_kernel(AdamSpec spec, const float* v, float* den,
                                                                    std::int64_t n) {
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) den[i] = adam_denominator(spec, v[i]);
}

__global__ void __launch_bounds__(kThreads) adam_apply_kernel(AdamSpec spec, float* w, const float* m,
                                                             const float* den, std::int64_t n,
                                                             unsigned long long* zero_denominators) {
  long long zeros = 0;
  for (std::int64_t i = first_index(); i < n; i += grid_stride()) {
    zeros += den[i] == 0.0f ? 1 : 0;
    adam_apply_element(spec, m[i], den[i], w[i]);
  }
  add_count(zeros, zero_denominators);
}

}  // namespace

void CudaBackend::sgd_update(const SgdSpec& spec, Tensor& master, const Tensor& grad, Tensor& momentum) {
  check_same_numels("sgd_update", {&master, &grad, &momentum});
  check_devices("sgd_update", {&master, &grad, &momentum}, Device::cuda);
  if (master.numel() > 0) {
    sgd_kernel<<<grid(master.numel()), kThreads>>>(spec, master.data(), grad.data(), momentum.data(), master.numel());
    MPSIM_CUDA_CHECK_LAUNCH(sgd_kernel);
  }
  traffic_.record("sgd_update", {&grad, &master, &momentum}, {&master, &momentum});
}

void CudaBackend::adam_moments(const AdamSpec& spec, const Tensor& master, const Tensor& grad, Tensor& m, Tensor& v) {
  check_same_numels("adam_moments", {&master, &grad, &m, &v});
  check_devices("adam_moments", {&master, &grad, &m, &v}, Device::cuda);
  if (master.numel() > 0) {
    adam_moments_kernel<<<grid(master.numel()), kThreads>>>(spec, master.data(), grad.data(), m.data(), v.data(),
                                                            master.numel());
    MPSIM_CUDA_CHECK_LAUNCH(adam_moments_kernel);
  }
  traffic_.record("adam_moments", {&grad, &master, &m, &v}, {&m, &v});
}

void CudaBackend::adam_denominators(const AdamSpec& spec, const Tensor& v, Tensor& denominators) {
  check_same_numel("adam_denominators", v, denominators);
  check_devices("adam_denominators", {&v, &denominators}, Device::cuda);
  if (v.numel() > 0) {
    adam_denominators_kernel<<<grid(v.numel()), kThreads>>>(spec, v.data(), denominators.data(), v.numel());
    MPSIM_CUDA_CHECK_LAUNCH(adam_denominators_kernel);
  }
  traffic_.record("adam_denominators", {&v}, {&denominators});
}

std::int64_t CudaBackend::adam_apply(const AdamSpec& spec, Tensor& master, const Tensor& m,
                                     const Tensor& denominators) {
  check_same_numels("adam_apply", {&master, &m, &denominators});
  check_devices("adam_apply", {&master, &m, &denominators}, Device::cuda);
  traffic_.record("adam_apply", {&m, &denominators, &master}, {&master});
  if (master.numel() == 0) return 0;
  unsigned long long* zeros = zeroed_count();
  adam_apply_kernel<<<grid(master.numel()), kThreads>>>(spec, master.data(), m.data(), denominators.data(),
                                                        master.numel(), zeros);
  MPSIM_CUDA_CHECK_LAUNCH(adam_apply_kernel);
  return read_count(zeros);
}

}  // namespace mpsim::kernels
