// The runner of the CUDA-against-CPU tests (test_cuda_backend.cpp, test_cuda_layers.cpp): the
// CPU backend is the reference (STYLE.md 13). A case is one small description of an operation
// (what it computes on a backend, how the GPU must agree); check_case runs it on both backends,
// compares every output and the traffic records, and reports the first differences in hex.
//
// Agreement, per output (Match):
//   bits          identical bit patterns, NaN included (quantize, amax, gemm_exact, im2col,
//                 col2im, bias_grad, batchnorm_stats, the layer and optimizer kernels): model/,
//                 kernels/element_ops.hpp and kernels/layer_ops.hpp are the same code on both sides.
//   bits_any_nan  identical bits except that a NaN matches any NaN (bias_add, ReLU, add): GPU
//                 arithmetic returns the canonical NaN 0x7fffffff where x86 keeps payloads.
//   close         |gpu - cpu| <= kSoftmaxTolerance * max(1, |cpu|) (softmax cross-entropy: CUDA's
//                 exp and log are not glibc's; both are within a few ulps of exact).
//   bound         each backend's result within a bound of a double-precision reference
//                 (gemm_fast; see gemm_fast_bound()).
// Integer results (quantize counts, histogram, non-finite outputs) and error messages must be equal.
//
// Every case runs on one CPU and one CUDA backend shared by all cases, in the same order, so tensor
// ids (which key stochastic rounding) stay in step. Tagged [cuda]: without a GPU the executable
// exits 77 before running anything (tests/support/catch_main_cuda.cpp) and ctest reports Skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/backend.hpp"
#include "kernels/cuda/cuda_backend.hpp"

namespace mpsim::kernels::testing {

enum class Match { bits, bits_any_nan, close, bound };
inline constexpr double kSoftmaxTolerance = 1e-6;  // relative, on fp32 outputs of double computations

struct Output {
  Output(std::string n, std::vector<float> v, Match m = Match::bits)
      : name(std::move(n)), values(std::move(v)), match(m) {}
  Output(std::string n, std::vector<float> v, std::vector<double> ref, std::vector<double> b, std::vector<double> b8)
      : name(std::move(n)), values(std::move(v)), match(Match::bound), reference(std::move(ref)), bound(std::move(b)),
        fp8_bound(std::move(b8)) {}

  std::string name;
  std::vector<float> values;
  Match match;
  // Match::bound: |value - reference| <= bound per element, or <= fp8_bound where the GPU took the
  // native FP8 path.
  std::vector<double> reference, bound, fp8_bound;
};

// What one backend returned for one case.
struct Outcome {
  std::vector<Output> outputs;
  std::vector<std::int64_t> counts;  // integer results: must be equal
  std::vector<double> scalars;       // compared like Match::close
  std::string error;                 // KernelError message, if the case threw
  GemmPath path = GemmPath::eigen_fp32;
};

struct DiffCase {
  std::string name;
  std::function<Outcome(Backend&)> run;
};

struct Backends {
  std::unique_ptr<Backend> cpu = make_backend(Device::cpu, 0);
  std::unique_ptr<Backend> gpu = make_backend(Device::cuda);
};
Backends& backends();
CudaBackend& cuda_backend();
std::string hex(float v);
// Runs a case on both backends and checks the GPU against the CPU; returns {cpu, gpu}.
std::pair<Outcome, Outcome> check_case(const DiffCase& c);

}  // namespace mpsim::kernels::testing
