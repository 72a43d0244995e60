#include "host/precision/policy.hpp"

#include <fmt/core.h>

#include "host/config/yaml_fields.hpp"
#include "host/precision/policy_factories.hpp"
#include "model/format_names.hpp"

namespace mpsim::host {

std::unique_ptr<Policy> make_policy(const PolicyConfig& config) {
  return std::visit(
      [](const auto& p) -> std::unique_ptr<Policy> {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, UniformParams>) return make_uniform_policy(p);
        else if constexpr (std::is_same_v<T, Mixed16Params>) return make_mixed16_policy(p);
        else if constexpr (std::is_same_v<T, Hfp8Params>) return make_hfp8_policy(p);
        else if constexpr (std::is_same_v<T, LeeParams>) return make_lee_policy(p);
        else if constexpr (std::is_same_v<T, Continuous16Params>) return make_continuous16_policy(p);
        else if constexpr (std::is_same_v<T, AmaxParams>) return make_amax_policy(p);
        else return make_custom_policy(p);
      },
      config.params);
}

std::string explain_tensors(const TensorRegistry& registry, const Assignment& assignment) {
  std::string out = fmt::format("{:<28} {:<16} {:>10} {:<14} {:<10} {:<8} {:>8}\n", "tensor", "role", "numel", "format",
                                "rounding", "overflow", "scale");
  for (const TensorInfo& t : registry.tensors()) {
    const TensorPrecision& p = assignment[t.id];
    out += fmt::format("{:<28} {:<16} {:>10} {:<14} {:<10} {:<8} {:>8g}\n", t.name, role_name(t.role), t.numel,
                       p.keep_fp32 ? "fp32 (kept)" : format_name(p.format), p.keep_fp32 ? "-" : rounding_name(p.rounding),
                       p.keep_fp32 ? "-" : overflow_name(p.overflow), double(p.scale));
  }
  const MemoryMetric m = memory_metric(registry, assignment);
  out += fmt::format(
      "memory (θ, v, dv, dθ): {} bits, {} elements, low-precision ratio {:.4f}, {:.3f}x fewer bits than fp32, "
      "{:.3f}x fewer than all-16-bit\n",
      m.bits, m.elements, m.low_precision_ratio(), m.reduction_vs(m.bits_fp32), m.reduction_vs(m.bits_at(16)));
  return out;
}

std::string Policy::explain(const TensorRegistry& registry, const Assignment& assignment) const {
  return fmt::format("policy {}\n", name()) + explain_tensors(registry, assignment);
}

}  // namespace mpsim::host
