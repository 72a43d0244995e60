// One cuBLASLt matmul, D = alpha op(A) op(B) + beta C with C = D in place, planned once
// (descriptors + heuristic algorithm) and run any number of times. Used by gemm_fast's native
// FP8 path (kernels/cuda/cuda_gemm_fast.cu) and by bench/bench_kernels_gpu.cu, which times FP8
// against BF16 and FP32 through the same code.
//
// Matrices are column-major, as cuBLASLt sees them (row-major callers swap operands). The FP8
// rules this code relies on, from the cuBLAS documentation of cublasLtMatmul (CUDA 12/13) and the
// enums of /usr/local/cuda/include/cublasLt.h and library_types.h:
//   - A and B of type CUDA_R_8F_E4M3 or CUDA_R_8F_E5M2, not both E5M2;
//   - compute type CUBLAS_COMPUTE_32F, scale type CUDA_R_32F;
//   - A transposed and B not ("TN") on sm_89 / sm_90;
//   - 16-byte aligned pointers and leading dimensions (16 fp8 elements);
//   - C/D CUDA_R_32F (with C = D) or CUDA_R_16BF.
// No per-tensor scale pointers (CUBLASLT_MATMUL_DESC_A_SCALE_POINTER / _B_SCALE_POINTER): on an
// H200 with cuBLASLt 13.1 (2026-11-26, docs/KERNELS.md) the heuristic offers algorithms with
// them set, but every cublasLtMatmul then answers CUBLAS_STATUS_NOT_SUPPORTED, for every type
// and size tried; without them the same problems run. A caller with power-of-two operand scales
// folds them into alpha instead: cuBLASLt applies the scales to the fp32 sum in the epilogue,
// which is what alpha does, and a power of two times an fp32 sum is exact while it stays normal.
// The planner checks none of the rules itself: a combination cuBLASLt rejects shows as
// supported() == false (no algorithm, heuristic_status() says what cuBLASLt answered), or as
// run() returning CUBLAS_STATUS_NOT_SUPPORTED, and the caller falls back.
#pragma once

#include <cublasLt.h>

#include <cstddef>
#include <cstdint>

namespace mpsim::kernels {

struct LtMatrix {
  cudaDataType_t type = CUDA_R_32F;
  std::uint64_t rows = 0, cols = 0;  // as stored, column-major
  std::int64_t ld = 0;               // elements between columns
  std::int64_t batch_stride = 0;     // elements between the matrices of a batch
};

struct LtGemmDesc {
  cublasOperation_t trans_a = CUBLAS_OP_N, trans_b = CUBLAS_OP_N;
  LtMatrix a, b, c;  // D has C's layout and type
  std::int32_t batch = 1;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
};

class LtMatmulPlan {
 public:
  // Builds the descriptors and asks the heuristic for the best algorithm fitting the workspace.
  // Throws KernelError when a descriptor call fails; no algorithm is not an error (supported()).
  LtMatmulPlan(cublasLtHandle_t handle, const LtGemmDesc& desc, std::size_t workspace_bytes);
  ~LtMatmulPlan();
  LtMatmulPlan(const LtMatmulPlan&) = delete;
  LtMatmulPlan& operator=(const LtMatmulPlan&) = delete;

  bool supported() const { return found_; }
  // Why not, when !supported(): the heuristic's status (NOT_SUPPORTED also for zero results).
  cublasStatus_t heuristic_status() const { return heuristic_status_; }
  // Enqueues D = alpha A B (+ C when beta = 1) on `stream`; returns cuBLASLt's status so that the
  // caller decides whether CUBLAS_STATUS_NOT_SUPPORTED means fallback. Requires supported().
  cublasStatus_t run(const void* a, const void* b, void* c, float alpha, float beta, void* workspace,
                     cudaStream_t stream) const;

 private:
  void release() noexcept;  // destroys the descriptors built so far

  cublasLtHandle_t handle_;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  std::size_t workspace_bytes_ = 0;
  cublasStatus_t heuristic_status_ = CUBLAS_STATUS_NOT_SUPPORTED;
  bool found_ = false;
};

}  // namespace mpsim::kernels
