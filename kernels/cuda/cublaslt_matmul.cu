// LtMatmulPlan (kernels/cuda/cublaslt_matmul.hpp): cuBLASLt descriptors, heuristic and launch.
// No CPU counterpart: gemm_fast's FP8 path built on it is held to the fp32-accumulation bound
// against kernels/cpu/cpu_gemm.cpp (CpuBackend::gemm_fast) in tests/kernels/test_cuda_backend.cpp.
#include "kernels/cuda/cublaslt_matmul.hpp"

#include "kernels/cuda/cuda_check.hpp"

namespace mpsim::kernels {
namespace {

void set_layout(cublasLtMatrixLayout_t* layout, const LtMatrix& m, std::int32_t batch) {
  MPSIM_CUDA_CHECK(cublasLtMatrixLayoutCreate(layout, m.type, m.rows, m.cols, m.ld));
  if (batch > 1) {
    MPSIM_CUDA_CHECK(cublasLtMatrixLayoutSetAttribute(*layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof batch));
    MPSIM_CUDA_CHECK(cublasLtMatrixLayoutSetAttribute(*layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                                      &m.batch_stride, sizeof m.batch_stride));
  }
}

}  // namespace

LtMatmulPlan::LtMatmulPlan(cublasLtHandle_t handle, const LtGemmDesc& desc, std::size_t workspace_bytes)
    : handle_(handle), workspace_bytes_(workspace_bytes) {
  cublasLtMatmulPreference_t preference = nullptr;
  try {
    MPSIM_CUDA_CHECK(cublasLtMatmulDescCreate(&op_, desc.compute, CUDA_R_32F));
    // Attribute types as cublasLt.h documents them: int32_t for the transposes, int8_t for
    // FAST_ACCUM.
    const auto trans_a = static_cast<std::int32_t>(desc.trans_a), trans_b = static_cast<std::int32_t>(desc.trans_b);
    MPSIM_CUDA_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof trans_a));
    MPSIM_CUDA_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof trans_b));
    const bool fp8 = desc.a.type == CUDA_R_8F_E4M3 || desc.a.type == CUDA_R_8F_E5M2;
    if (fp8) {
      // Fast accumulation off: the tensor cores' partial sums are promoted to fp32 periodically
      // (the documented default, made explicit because it decides the error bound).
      const std::int8_t fast_accum = 0;
      MPSIM_CUDA_CHECK(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_FAST_ACCUM, &fast_accum, sizeof fast_accum));
    }
    set_layout(&a_, desc.a, desc.batch);
    set_layout(&b_, desc.b, desc.batch);
    set_layout(&c_, desc.c, desc.batch);

    MPSIM_CUDA_CHECK(cublasLtMatmulPreferenceCreate(&preference));
    const std::uint64_t max_workspace = workspace_bytes_;
    MPSIM_CUDA_CHECK(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                          &max_workspace, sizeof max_workspace));
    cublasLtMatmulHeuristicResult_t result{};
    int returned = 0;
    // A combination this cuBLASLt or GPU does not offer answers NOT_SUPPORTED, INVALID_VALUE or zero
    // results: all mean "no plan", and the caller reports why (heuristic_status()) and falls back.
    heuristic_status_ =
        cublasLtMatmulAlgoGetHeuristic(handle_, op_, a_, b_, c_, c_, preference, 1, &result, &returned);
    if (heuristic_status_ != CUBLAS_STATUS_NOT_SUPPORTED && heuristic_status_ != CUBLAS_STATUS_INVALID_VALUE)
      MPSIM_CUDA_CHECK(heuristic_status_);
    if (heuristic_status_ == CUBLAS_STATUS_SUCCESS && returned == 0) heuristic_status_ = CUBLAS_STATUS_NOT_SUPPORTED;
    found_ = heuristic_status_ == CUBLAS_STATUS_SUCCESS && result.state == CUBLAS_STATUS_SUCCESS;
    if (found_) algo_ = result.algo;
    MPSIM_CUDA_CHECK(cublasLtMatmulPreferenceDestroy(preference));
  } catch (...) {
    if (preference) cublasLtMatmulPreferenceDestroy(preference);
    release();  // the destructor does not run for a half-built object
    throw;
  }
}

LtMatmulPlan::~LtMatmulPlan() { release(); }

void LtMatmulPlan::release() noexcept {
  if (c_) cublasLtMatrixLayoutDestroy(c_);
  if (b_) cublasLtMatrixLayoutDestroy(b_);
  if (a_) cublasLtMatrixLayoutDestroy(a_);
  if (op_) cublasLtMatmulDescDestroy(op_);
  c_ = b_ = a_ = nullptr;
  op_ = nullptr;
}

cublasStatus_t LtMatmulPlan::run(const void* a, const void* b, void* c, float alpha, float beta, void* workspace,
                                 cudaStream_t stream) const {
  return cublasLtMatmul(handle_, op_, &alpha, a, a_, b, b_, &beta, c, c_, c, c_, &algo_, workspace, workspace_bytes_,
                        stream);
}

}  // namespace mpsim::kernels
