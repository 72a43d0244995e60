// Device-side helpers shared by the CUDA backend's kernels: grid-stride indexing in 64 bits
// (tensors can exceed 2^31 elements) and warp-aggregated integer counting. Integer sums do not
// depend on the order of the additions, so counts from atomics are deterministic.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace mpsim::kernels::cuda_detail {

constexpr unsigned kFullWarp = 0xffffffffu;

__device__ inline std::int64_t first_index() { return std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; }
__device__ inline std::int64_t grid_stride() { return std::int64_t{gridDim.x} * blockDim.x; }

// Adds every thread's v into *total with one atomic per warp (none when the warp counted
// nothing). Every thread of the warp must call it (no thread may have returned early).
__device__ inline void add_count(long long v, unsigned long long* total) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(kFullWarp, v, offset);
  if ((threadIdx.x & 31u) == 0 && v != 0) atomicAdd(total, static_cast<unsigned long long>(v));
}

}  // namespace mpsim::kernels::cuda_detail
