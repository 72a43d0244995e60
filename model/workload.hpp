// The Workload contract (DESIGN.md): a training step as the stream of GEMMs the accelerator
// runs, each operand named, with its role in training and the format it is stored in. host/
// emits it (`mpsim train --emit-workload`), sim/ times it, and it round-trips through a
// JSON-lines file so sim/ runs without training.
//
// GEMM convention, shared with kernels/ and the array: C[M, N] = A[M, K] x B[K, N], the array
// streams K. A convolution lowered by im2col (model/conv_gemm_shapes.hpp) and a Linear layer:
//
//   phase        A (M x K)                 B (K x N)             C (M x N)
//   fwd          input columns / x         weight                output activation
//   bwd_data     output gradient           weight^T              input-columns gradient
//   bwd_weight   input columns^T / x^T     output gradient       weight gradient
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/float_format.hpp"

namespace mpsim {

enum class Phase : std::uint8_t { fwd, bwd_data, bwd_weight };

// What a tensor is in training (Lee et al.'s θ, v, dv, dθ, plus what mixed precision adds).
enum class TensorRole : std::uint8_t {
  weight,           // θ: the working copy the GEMMs read
  master_weight,    // the fp32 (or assigned) copy the optimizer updates
  activation,       // v: a layer's output, saved for backward where needed
  activation_grad,  // dv: gradient of a layer's output
  weight_grad,      // dθ
  optimizer_state,  // momentum, Adam's m and v
  loss_scale,
};
inline constexpr std::array<Phase, 3> kPhases = {Phase::fwd, Phase::bwd_data, Phase::bwd_weight};
inline constexpr std::array<TensorRole, 7> kTensorRoles = {
    TensorRole::weight,      TensorRole::master_weight,   TensorRole::activation, TensorRole::activation_grad,
    TensorRole::weight_grad, TensorRole::optimizer_state, TensorRole::loss_scale};

// Names as written in files and reports ("fwd", "bwd_data", "bwd_weight"; "weight", ...).
const char* phase_name(Phase p);
const char* role_name(TensorRole r);
// Throw std::invalid_argument naming what is allowed.
Phase parse_phase(std::string_view name);
TensorRole parse_role(std::string_view name);

// One GEMM operand: which tensor, its role, and the format its elements are stored in (an e4m3
// operand moves one byte per element, an fp16 one two: sim/ counts bytes from this).
struct TensorRef {
  std::string name;
  TensorRole role = TensorRole::activation;
  FloatFormat format = formats::fp32;
  bool operator==(const TensorRef&) const = default;
};

struct GemmOp {
  std::string name;   // unique in the step, e.g. "conv1.bwd_weight"
  std::string layer;  // the layer it belongs to, e.g. "conv1"
  Phase phase = Phase::fwd;
  std::int64_t m = 1, n = 1, k = 1;
  TensorRef a, b, c;
  FloatFormat accumulator = formats::fp32;

  std::int64_t macs() const { return m * n * k; }
  bool operator==(const GemmOp&) const = default;
};

struct Workload {
  std::vector<GemmOp> ops;
  std::int64_t macs() const;
  bool operator==(const Workload&) const = default;
};

// A malformed workload file: the message is one line, "FILE:LINE: what is wrong".
struct WorkloadError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// JSON lines, one GemmOp per line (blank lines and lines starting with '#' skipped):
//   {"name":"conv1.fwd","layer":"conv1","phase":"fwd","M":12544,"N":64,"K":147,
//    "A":{"tensor":"conv1.in","role":"activation","format":"e4m3"},"B":{...},"C":{...},
//    "acc":"fp32"}
// Every key is required except "acc" (fp32) and unknown keys are rejected; M, N, K are positive
// integers below 2^40. `source` names the stream in error messages.
Workload read_workload(std::istream& in, const std::string& source);
Workload read_workload_file(const std::string& path);
void write_workload(std::ostream& out, const Workload& w);
// Writes PATH atomically (model/atomic_file.hpp): a failed write leaves no half file and throws
// FileWriteError.
void write_workload_file(const std::string& path, const Workload& w);

}  // namespace mpsim
