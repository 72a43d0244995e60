// How the CUDA backend calls CUDA: every runtime, cuBLAS and cuBLASLt call goes through
// MPSIM_CUDA_CHECK, and every kernel launch is followed by MPSIM_CUDA_CHECK_LAUNCH, so a failure
// becomes a KernelError naming the call, file:line and the library's own message (never an
// abort, never an error noticed three calls later without its origin). Included by .cu files
// only; kernels/cuda/cuda_backend.hpp stays free of CUDA headers.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "kernels/backend.hpp"

namespace mpsim::kernels::cuda_detail {

// __FILE__ from the project root on ("kernels/cuda/cuda_gemm.cu"), not the build's absolute path.
inline const char* project_path(const char* file) {
  const std::string_view path(file);
  const std::size_t at = path.rfind("kernels/");
  return at == std::string_view::npos ? file : file + at;
}

[[noreturn]] inline void throw_call_error(const char* call, const char* file, int line, const char* message) {
  throw KernelError(std::string("cuda backend: ") + call + " failed at " + project_path(file) + ":" +
                    std::to_string(line) + ": " + message);
}

inline void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) throw_call_error(call, file, line, cudaGetErrorString(status));
}

// cuBLAS and cuBLASLt share cublasStatus_t.
inline void check(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) throw_call_error(call, file, line, cublasGetStatusString(status));
}

// Threads per block of the elementwise kernels, and the grid of a grid-stride loop over n
// items: enough blocks to fill the device (kBlocksPerSm per SM) and no more, so each thread
// handles several items and per-block overhead (e.g. flushing partial counts) stays small.
constexpr int kThreads = 256;
constexpr int kBlocksPerSm = 8;
inline unsigned grid_for(std::int64_t n, int sm_count) {
  const std::int64_t needed = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::clamp<std::int64_t>(needed, 1, std::int64_t{sm_count} * kBlocksPerSm));
}

}  // namespace mpsim::kernels::cuda_detail

#define MPSIM_CUDA_CHECK(call) ::mpsim::kernels::cuda_detail::check((call), #call, __FILE__, __LINE__)
// After a <<<...>>> launch: configuration errors surface here, named after the kernel.
#define MPSIM_CUDA_CHECK_LAUNCH(kernel) \
  ::mpsim::kernels::cuda_detail::check(cudaGetLastError(), "launch of " #kernel, __FILE__, __LINE__)
