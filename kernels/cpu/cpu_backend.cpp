#include "kernels/cpu/cpu_backend.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include <Eigen/Core>

namespace mpsim::kernels {

CpuBackend::CpuBackend(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}

std::string CpuBackend::description() const {
  return "cpu: " + std::to_string(threads_) + " threads, Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
         std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION);
}

Tensor CpuBackend::empty(std::vector<std::int64_t> shape, const FloatFormat& format, std::string name) {
  const std::int64_t n = numel_of(shape);
  // 64-byte alignment for vector loads; std::free through the deleter.
  const auto bytes = static_cast<std::size_t>((std::max<std::int64_t>(n, 1) * 4 + 63) / 64 * 64);
  std::shared_ptr<float> storage(static_cast<float*>(std::aligned_alloc(64, bytes)), [](float* p) { std::free(p); });
  if (!storage) throw KernelError("empty: cannot allocate " + std::to_string(bytes) + " bytes for " + name);
  return Tensor(std::move(shape), Device::cpu, std::move(storage), format, std::move(name), next_tensor_id());
}

void CpuBackend::fill(Tensor& t, float value) {
  check_device("fill", t, Device::cpu);
  std::fill_n(t.data(), t.numel(), value);
  traffic_.write("fill", t);
}

void CpuBackend::copy_from_host(Tensor& dst, const float* src) {
  check_device("copy_from_host", dst, Device::cpu);
  std::memcpy(dst.data(), src, static_cast<std::size_t>(dst.numel()) * sizeof(float));
}

void CpuBackend::copy_to_host(const Tensor& src, float* dst) {
  check_device("copy_to_host", src, Device::cpu);
  std::memcpy(dst, src.data(), static_cast<std::size_t>(src.numel()) * sizeof(float));
}

void CpuBackend::copy(const Tensor& src, Tensor& dst) {
  check_same_numel("copy", src, dst);
  std::memcpy(dst.data(), src.data(), static_cast<std::size_t>(src.numel()) * sizeof(float));
  traffic_.read("copy", src);
  traffic_.write("copy", dst);
}

}  // namespace mpsim::kernels
