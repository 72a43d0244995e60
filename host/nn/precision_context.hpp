// The one place where training meets the precision assignment (Lee et al., PAPERS.md):
// every tensor is rounded where it is produced ("quantize on write") through
// Backend::quantize with its TensorPrecision, the events of each rounding are recorded per
// tensor into the step's StepObservation, and every GEMM accumulates in the assignment's
// accumulator (fp32: gemm_fast; anything narrower: gemm_exact, the array's arithmetic).
// Layers (host/nn/*.cpp) call only store() and gemm(); they never look at formats themselves.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "host/precision/assignment.hpp"
#include "host/precision/policy.hpp"
#include "host/precision/tensor_registry.hpp"
#include "kernels/backend.hpp"

namespace mpsim::host::nn {

using kernels::Tensor;

// What gemm() is about to compute, for an observer (`mpsim verify` takes real tiles from it):
// the operands as they enter, and the formats their values lie in with the accumulator.
struct GemmCapture {
  const kernels::GemmSpec& spec;
  TensorId a_id, b_id;
  MacFormats formats;
  const Tensor& a;
  const Tensor& b;
};

class PrecisionContext {
 public:
  PrecisionContext(kernels::Backend& backend, std::uint64_t seed) : backend_(backend), seed_(seed) {}

  kernels::Backend& backend() { return backend_; }
  TensorRegistry& registry() { return registry_; }
  const TensorRegistry& registry() const { return registry_; }
  Assignment& assignment() { return assignment_; }
  const Assignment& assignment() const { return assignment_; }
  // Replaces the assignment (a policy's initial() or after_step()); sized to the registry.
  void set_assignment(Assignment a);
  // Every tensor keep_fp32 and an fp32 accumulator: the fp32 baseline (gradient checks use it).
  void use_fp32();

  // Starts a training step: clears the observation; `step` keys stochastic rounding.
  void begin_step(std::int64_t step, int epoch);
  StepObservation& observation() { return observed_; }
  // While false (evaluation), values are still rounded but nothing is recorded.
  void set_recording(bool on) { recording_ = on; }

  // Rounds t in place to tensor `id`'s precision and records counts and amax (of the values
  // before rounding). keep_fp32 tensors are left as they are (amax is still recorded).
  void store(TensorId id, Tensor& t);
  // dst = Q(src) with tensor `id`'s precision (the weights' working copy from the master).
  void store(TensorId id, const Tensor& src, Tensor& dst);

  // Rounds t in place to tensor `id`'s precision without recording (intermediate values that
  // live in that tensor's format, e.g. Adam's denominators in the state's format).
  void round_only(TensorId id, Tensor& t);

  // C = op(A) op(B) (+C) in the assignment's accumulator. a_id / b_id name the registered
  // tensors whose (rounded) values A and B hold, so gemm_exact knows which format they lie in.
  void gemm(const kernels::GemmSpec& spec, TensorId a_id, const Tensor& a, TensorId b_id, const Tensor& b, Tensor& c);
  // Called by every gemm() before it computes; empty (the default) costs one test per GEMM.
  void set_gemm_observer(std::function<void(const GemmCapture&)> observer) { gemm_observer_ = std::move(observer); }

  // The format tensor `id`'s values lie in after store(): its format, or fp32 when it is kept
  // in fp32, scaled (Q(x s)/s is not a value of the format) or held Inf/NaN this step.
  FloatFormat value_format(TensorId id) const;
  // The format `id` is stored in (for the Workload and the memory metric): fp32 when keep_fp32.
  FloatFormat storage_format(TensorId id) const;

 private:
  void record(TensorId id, std::int64_t elements, const kernels::QuantizeCounts& counts, float amax);

  kernels::Backend& backend_;
  std::uint64_t seed_;
  TensorRegistry registry_;
  Assignment assignment_;
  StepObservation observed_;
  std::vector<char> non_finite_;  // per tensor: held Inf/NaN after its last rounding this step
  bool recording_ = true;
  std::function<void(const GemmCapture&)> gemm_observer_;
};

}  // namespace mpsim::host::nn
