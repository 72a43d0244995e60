// The CUDA backend's device, library handles and memory: construction, make_cuda_backend(),
// empty / fill / copy and the two counted transfers. Matches kernels/cpu/cpu_backend.cpp
// (CpuBackend::fill, copy, copy_from_host, copy_to_host): same traffic records ("fill", "copy"),
// and copy_from_host / copy_to_host add to traffic().transfers(), which the CPU has no need to.
#include "kernels/cuda/cuda_backend.hpp"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <memory>
#include <stdexcept>

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/grid_stride.cuh"

namespace mpsim::kernels {
namespace {

using cuda_detail::kThreads;

__global__ void fill_kernel(float* x, std::int64_t n, float value) {
  for (std::int64_t i = cuda_detail::first_index(); i < n; i += cuda_detail::grid_stride()) x[i] = value;
}

}  // namespace

DeviceScratch::~DeviceScratch() {
  if (ptr_) cudaFree(ptr_);  // errors at teardown cannot be reported from a destructor
}

void* DeviceScratch::get(std::size_t bytes) {
  if (bytes <= bytes_ && ptr_) return ptr_;
  if (ptr_) {
    MPSIM_CUDA_CHECK(cudaFree(ptr_));
    ptr_ = nullptr;
    bytes_ = 0;
  }
  const std::size_t size = std::max<std::size_t>(bytes, 256);
  MPSIM_CUDA_CHECK(cudaMalloc(&ptr_, size));
  bytes_ = size;
  return ptr_;
}

CudaBackend::CudaBackend(int device_index) : device_index_(device_index) {
  MPSIM_CUDA_CHECK(cudaSetDevice(device_index_));
  cudaDeviceProp prop{};
  MPSIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_index_));
  name_ = prop.name;
  compute_capability_ = 10 * prop.major + prop.minor;
  sm_count_ = prop.multiProcessorCount > 0 ? prop.multiProcessorCount : 1;
  try {
    // Default math mode: fp32 GEMMs stay fp32 (no TF32 tensor-core rounding of the inputs).
    MPSIM_CUDA_CHECK(cublasCreate(&blas_));
    MPSIM_CUDA_CHECK(cublasSetMathMode(blas_, CUBLAS_DEFAULT_MATH));
    MPSIM_CUDA_CHECK(cublasLtCreate(&lt_));
    lt_workspace_.get(kLtWorkspaceBytes);
  } catch (...) {  // the destructor does not run for a half-built object
    if (lt_) cublasLtDestroy(lt_);
    if (blas_) cublasDestroy(blas_);
    throw;
  }
}

CudaBackend::~CudaBackend() {
  if (lt_) cublasLtDestroy(lt_);
  if (blas_) cublasDestroy(blas_);
}

std::string CudaBackend::description() const {
  return "cuda: " + name_ + " (sm_" + std::to_string(compute_capability_) + ")";
}

unsigned CudaBackend::grid(std::int64_t n) const { return cuda_detail::grid_for(n, sm_count_); }

Tensor CudaBackend::empty(std::vector<std::int64_t> shape, const FloatFormat& format, std::string name) {
  const std::int64_t n = numel_of(shape);
  void* raw = nullptr;
  const auto bytes = static_cast<std::size_t>(std::max<std::int64_t>(n, 1)) * sizeof(float);
  const cudaError_t status = cudaMalloc(&raw, bytes);
  if (status != cudaSuccess)
    throw KernelError("empty: cannot allocate " + std::to_string(bytes) + " bytes of device memory for " + name + ": " +
                      cudaGetErrorString(status));
  // cudaFree's status is dropped: a deleter must not throw, and at process exit the runtime may be gone.
  std::shared_ptr<float> storage(static_cast<float*>(raw), [](float* p) { cudaFree(p); });
  return Tensor(std::move(shape), Device::cuda, std::move(storage), format, std::move(name), next_tensor_id());
}

void CudaBackend::fill(Tensor& t, float value) {
  check_device("fill", t, Device::cuda);
  if (t.numel() > 0) {
    fill_kernel<<<grid(t.numel()), kThreads>>>(t.data(), t.numel(), value);
    MPSIM_CUDA_CHECK_LAUNCH(fill_kernel);
  }
  traffic_.write("fill", t);
}

void CudaBackend::copy_from_host(Tensor& dst, const float* src) {
  check_device("copy_from_host", dst, Device::cuda);
  const auto bytes = static_cast<std::size_t>(dst.numel()) * sizeof(float);
  if (bytes > 0) MPSIM_CUDA_CHECK(cudaMemcpy(dst.data(), src, bytes, cudaMemcpyHostToDevice));
  traffic_.transfer_to_device(static_cast<std::int64_t>(bytes));
}

void CudaBackend::copy_to_host(const Tensor& src, float* dst) {
  check_device("copy_to_host", src, Device::cuda);
  const auto bytes = static_cast<std::size_t>(src.numel()) * sizeof(float);
  if (bytes > 0) MPSIM_CUDA_CHECK(cudaMemcpy(dst, src.data(), bytes, cudaMemcpyDeviceToHost));
  traffic_.transfer_to_host(static_cast<std::int64_t>(bytes));
}

void CudaBackend::copy(const Tensor& src, Tensor& dst) {
  check_same_numel("copy", src, dst);
  check_device("copy", src, Device::cuda);
  check_device("copy", dst, Device::cuda);
  const auto bytes = static_cast<std::size_t>(src.numel()) * sizeof(float);
  if (bytes > 0) MPSIM_CUDA_CHECK(cudaMemcpy(dst.data(), src.data(), bytes, cudaMemcpyDeviceToDevice));
  traffic_.read("copy", src);
  traffic_.write("copy", dst);
}

// Declared in kernels/backend.cpp. No device (no driver, no GPU, CUDA_VISIBLE_DEVICES hiding
// them all) is a user-facing condition: one line, std::runtime_error, never a crash.
std::unique_ptr<Backend> make_cuda_backend() {
  int devices = 0;
  const cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess || devices == 0) {
    cudaGetLastError();  // clear the error so later runtime calls in this process are not poisoned
    throw std::runtime_error(std::string("backend cuda: no CUDA device available (cudaGetDeviceCount: ") +
                             (status != cudaSuccess ? cudaGetErrorString(status) : "0 devices") + ")");
  }
  return std::make_unique<CudaBackend>(0);
}

}  // namespace mpsim::kernels
