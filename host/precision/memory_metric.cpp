// Lee et al.'s memory metric (PAPERS.md "Memory metric"): total bits of the assigned tensors,
// the share stored in 8 bits, and helpers for the reductions the reports quote.
#include "host/precision/assignment.hpp"
#include "host/precision/lee_grouping.hpp"

namespace mpsim::host {

TensorPrecision rounded_to(const FloatFormat& format, Rounding rounding, Overflow overflow) {
  TensorPrecision p;
  p.format = format;
  p.rounding = rounding;
  p.overflow = overflow;
  p.keep_fp32 = format == formats::fp32;
  return p;
}

Assignment fp32_assignment(const TensorRegistry& registry) {
  Assignment a;
  a.tensors.assign(registry.tensors().size(), TensorPrecision{});
  return a;
}

MemoryMetric memory_metric(const TensorRegistry& registry, const Assignment& assignment) {
  MemoryMetric m;
  for (const TensorInfo& t : registry.tensors()) {
    if (!is_lee_role(t.role)) continue;
    const TensorPrecision& p = assignment[t.id];
    const int bits = p.keep_fp32 ? 32 : p.format.total_bits();
    m.bits += t.numel * bits;
    m.bits_fp32 += t.numel * 32;
    m.elements += t.numel;
    if (bits <= 8) m.low_elements += t.numel;
  }
  return m;
}

void MemoryMetricMean::add(const MemoryMetric& m) {
  ++steps_;
  bits_ += double(m.bits);
  ratio_ += m.low_precision_ratio();
}

}  // namespace mpsim::host
