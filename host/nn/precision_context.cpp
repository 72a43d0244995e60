#include "host/nn/precision_context.hpp"

#include <cmath>
#include <memory>

namespace mpsim::host::nn {

void PrecisionContext::set_assignment(Assignment a) {
  assignment_ = std::move(a);
  assignment_.tensors.resize(registry_.tensors().size());
}

void PrecisionContext::use_fp32() {
  Assignment a;
  a.tensors.assign(registry_.tensors().size(), TensorPrecision{});
  a.accumulator = formats::fp32;
  set_assignment(std::move(a));
}

void PrecisionContext::begin_step(std::int64_t step, int epoch) {
  observed_.step = step;
  observed_.epoch = epoch;
  observed_.tensors.assign(registry_.tensors().size(), TensorObservation{});
  non_finite_.assign(registry_.tensors().size(), 0);
}

void PrecisionContext::record(TensorId id, std::int64_t elements, const kernels::QuantizeCounts& counts, float amax) {
  const auto i = static_cast<std::size_t>(id);
  if (i >= non_finite_.size()) non_finite_.resize(registry_.tensors().size(), 0);
  non_finite_[i] = (counts.nan > 0 || !std::isfinite(amax)) ? 1 : 0;
  if (!recording_) return;
  if (i >= observed_.tensors.size()) observed_.tensors.resize(registry_.tensors().size());
  TensorObservation& o = observed_.tensors[i];
  o.elements += elements;
  o.overflow += counts.overflow;
  o.underflow_to_zero += counts.underflow_to_zero;
  // NaN propagates into amax (std::max would drop it), so a NaN tensor is visible in the log.
  o.amax = (std::isnan(amax) || std::isnan(o.amax)) ? NAN : std::max(o.amax, amax);
}

namespace {
// A view of t's storage whose id is the registered TensorId: stochastic rounding draws its
// bits from (seed, step, tensor id), so keying it by the registry (not by the backend's
// allocation counter) keeps a resumed run identical to an uninterrupted one.
Tensor keyed_view(Tensor& t, TensorId id) {
  std::shared_ptr<float> alias(t.data(), [](float*) {});
  return Tensor(t.shape(), t.device(), alias, t.format(), t.name(), static_cast<std::uint32_t>(id) + 1);
}
}  // namespace

void PrecisionContext::store(TensorId id, Tensor& t) { store(id, t, t); }

void PrecisionContext::store(TensorId id, const Tensor& src, Tensor& dst) {
  const TensorPrecision& p = assignment_[id];
  kernels::QuantizeCounts counts;
  if (p.keep_fp32) {
    // Not rounded, so nothing can overflow; its amax is not measured either (a pass over every
    // tensor is 6% of an fp32 LeNet-5 step) and reads 0 in the statistics.
    if (src.data() != dst.data()) backend_.copy(src, dst);
    dst.set_format(formats::fp32);
    record(id, 0, counts, 0.0f);  // no element was rounded
    return;
  }
  // amax of the values as rounded: what overflows is x (times the loss scale for gradients).
  // Taken in the quantize pass (one read of the tensor, not two).
  float amax = 0.0f;
  {
    kernels::QuantizeSpec spec{p.format, p.rounding, p.overflow, p.scale, seed_,
                               static_cast<std::uint32_t>(observed_.step)};
    Tensor in = keyed_view(const_cast<Tensor&>(src), id);
    counts = backend_.quantize_with_amax(in, dst, spec, amax);
  }
  record(id, src.numel(), counts, amax);
}

void PrecisionContext::round_only(TensorId id, Tensor& t) {
  const TensorPrecision& p = assignment_[id];
  if (p.keep_fp32) return;
  backend_.quantize(t, t, {p.format, p.rounding, p.overflow, p.scale, seed_, static_cast<std::uint32_t>(observed_.step)});
}

FloatFormat PrecisionContext::value_format(TensorId id) const {
  if (id < 0) return formats::fp32;
  const TensorPrecision& p = assignment_[id];
  const auto i = static_cast<std::size_t>(id);
  const bool non_finite = i < non_finite_.size() && non_finite_[i];
  if (p.keep_fp32 || p.scale != 1.0f || non_finite) return formats::fp32;
  return p.format;
}

FloatFormat PrecisionContext::storage_format(TensorId id) const {
  if (id < 0) return formats::fp32;
  const TensorPrecision& p = assignment_[id];
  return p.keep_fp32 ? formats::fp32 : p.format;
}

void PrecisionContext::gemm(const kernels::GemmSpec& spec, TensorId a_id, const Tensor& a, TensorId b_id,
                            const Tensor& b, Tensor& c) {
  if (gemm_observer_)
    gemm_observer_({spec, a_id, b_id, MacFormats{value_format(a_id), value_format(b_id), assignment_.accumulator}, a, b});
  if (assignment_.accumulator == formats::fp32) {
    backend_.gemm_fast(spec, a, b, c);
    return;
  }
  // The array's arithmetic: one rounding per MAC into the narrow accumulator, ascending k.
  const MacFormats f{value_format(a_id), value_format(b_id), assignment_.accumulator};
  backend_.gemm_exact(spec, f, a, b, c);
}

}  // namespace mpsim::host::nn
