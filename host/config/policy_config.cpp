// parse_policy_config: the YAML `policy:` node becomes a PolicyConfig. Keys are checked against
// the description table first (so a typo is reported as such, with the nearest valid key), then
// each value is read with its type and range.
#include <fmt/core.h>
#include <fmt/format.h>

#include "host/config/policy_config.hpp"

namespace mpsim::host {
namespace {

const PolicyDescription& description(PolicyKind kind) {
  for (const PolicyDescription& d : policy_descriptions())
    if (d.kind == kind) return d;
  throw std::logic_error("policy kind without a description");
}

std::vector<std::string> allowed_keys(PolicyKind kind) {
  std::vector<std::string> keys{"name"};
  for (const ParamDescription& p : description(kind).params) keys.emplace_back(p.key);
  return keys;
}

LossScalerConfig read_loss_scaling(const FieldReader& in, LossScalerConfig c) {
  c.mode = in.choice("loss_scale", c.mode,
                     {{"none", LossScaling::none}, {"static", LossScaling::fixed}, {"dynamic", LossScaling::dynamic}});
  c.initial_scale = in.number("initial_scale", c.initial_scale, 0.0, 1e38, true);
  c.growth_interval = in.integer("growth_interval", c.growth_interval, 0, std::int64_t{1} << 40);
  c.growth_factor = in.number("growth_factor", c.growth_factor, 1.0, 1e6, true);
  c.backoff_factor = in.number("backoff_factor", c.backoff_factor, 0.0, 1.0, true, true);
  return c;
}

FloatFormat read_half(const FieldReader& in, FloatFormat fallback) {
  const FloatFormat f = in.format("half", fallback);
  if (f != formats::fp16 && f != formats::bf16) in.fail("half", "must be fp16 or bf16");
  return f;
}

UniformParams read_uniform(const FieldReader& in) {
  UniformParams p;
  p.format = in.format("format", p.format);
  p.rounding = in.rounding("rounding", p.rounding);
  p.overflow = in.overflow("overflow", p.overflow);
  p.include_master = in.boolean("include_master", p.include_master);
  p.accumulator = in.format("accumulator", p.accumulator);
  p.loss_scaling = read_loss_scaling(in, p.loss_scaling);
  return p;
}

Mixed16Params read_mixed16(const FieldReader& in) {
  Mixed16Params p;
  p.half = read_half(in, p.half);
  p.rounding = in.rounding("rounding", p.rounding);
  p.loss_scaling = read_loss_scaling(in, p.loss_scaling);
  return p;
}

Hfp8Params read_hfp8(const FieldReader& in) {
  Hfp8Params p;
  p.low = in.format("low", p.low);
  p.low_grad = in.format("low_grad", p.low_grad);
  p.low_weight_grad = in.format("low_weight_grad", p.low_weight_grad);
  p.high = in.format("high", p.high);
  p.rounding = in.rounding("rounding", p.rounding);
  p.loss_scaling = read_loss_scaling(in, p.loss_scaling);
  return p;
}

LeeParams read_lee(const FieldReader& in) {
  LeeParams p;
  p.r = in.number("r", p.r, 0.0, 1.0);
  p.order = in.choice("order", p.order,
                      {{"decreasing", GroupOrder::decreasing}, {"increasing", GroupOrder::increasing}, {"random", GroupOrder::random}});
  p.order_seed = static_cast<std::uint64_t>(in.integer("seed", static_cast<std::int64_t>(p.order_seed), 0, INT64_MAX));
  if (in.has("promotion")) {
    const YAML::Node n = in.node("promotion");
    if (n.IsScalar() && (n.Scalar() == "off" || n.Scalar() == "false"))
      p.promotion_threshold.reset();
    else
      p.promotion_threshold = in.number("promotion", 0.01, 0.0, 1.0, true);
  }
  p.high = in.format("high", p.high);
  p.low = in.format("low", p.low);
  p.low_grad = in.format("low_grad", p.low_grad);
  p.low_weight_grad = in.format("low_weight_grad", p.low_weight_grad);
  if (in.has("low_bias") && !(in.node("low_bias").IsScalar() && in.node("low_bias").Scalar() == "none")) {
    p.low_bias = static_cast<int>(in.integer("low_bias", 0, -400, 400));
    if (!is_supported(p.low_forward()))
      in.fail("low_bias", fmt::format("{} makes `low` an unsupported format (values beyond 2^+-500)", *p.low_bias));
  }
  p.rounding = in.rounding("rounding", p.rounding);
  p.loss_scaling = read_loss_scaling(in, p.loss_scaling);
  return p;
}

Continuous16Params read_continuous16(const FieldReader& in) {
  Continuous16Params p;
  p.half = read_half(in, p.half);
  p.pretrain_epochs = static_cast<int>(in.integer("pretrain_epochs", p.pretrain_epochs, 0, 100000));
  p.checkpoint = in.string("checkpoint", p.checkpoint);
  if (!p.checkpoint.empty() && p.pretrain_epochs > 0)
    in.fail("checkpoint", "replaces the fp32 pre-training: give checkpoint or pretrain_epochs, not both");
  p.adam_epsilon = in.number("adam_epsilon", p.adam_epsilon, 0.0, 1.0, true);
  p.rounding = in.rounding("rounding", p.rounding);
  p.loss_scaling = read_loss_scaling(in, p.loss_scaling);
  return p;
}

AmaxParams read_amax(const FieldReader& in) {
  AmaxParams p;
  p.forward = in.format("forward", p.forward);
  p.backward = in.format("backward", p.backward);
  p.history_length = static_cast<int>(in.integer("history_length", p.history_length, 1, 100000));
  p.margin = static_cast<int>(in.integer("margin", p.margin, 0, 64));
  p.algorithm = in.choice("algorithm", p.algorithm, {{"max", AmaxAlgorithm::max}, {"most_recent", AmaxAlgorithm::most_recent}});
  return p;
}

std::vector<std::pair<std::string, std::optional<TensorRole>>> role_names() {
  std::vector<std::pair<std::string, std::optional<TensorRole>>> names{{"any", std::nullopt}};
  for (TensorRole r : kTensorRoles) names.emplace_back(role_name(r), r);
  return names;
}

CustomRule read_rule(const YAML::Node& node, const std::string& file, const std::string& prefix) {
  const FieldReader in(node, file, prefix);
  in.reject_unknown({"layer", "role", "largest", "format", "rounding", "overflow"});
  CustomRule r;
  r.layer_glob = in.string("layer", r.layer_glob);
  r.role = in.choice("role", r.role, role_names());
  r.largest = static_cast<int>(in.integer("largest", 0, 0, 1 << 30));
  if (!in.has("format")) in.fail("format", "is required in every rule");
  r.precision.format = in.format("format", formats::fp32);
  r.precision.keep_fp32 = r.precision.format == formats::fp32;
  r.precision.rounding = in.rounding("rounding", Rounding::nearest_even);
  r.precision.overflow = in.overflow("overflow", Overflow::saturate);
  return r;
}

CustomParams read_custom(const FieldReader& in) {
  CustomParams p;
  if (in.has("rules")) {
    const YAML::Node rules = in.node("rules");
    if (!rules.IsSequence()) in.fail("rules", "must be a list of rules");
    for (std::size_t i = 0; i < rules.size(); ++i)
      p.rules.push_back(read_rule(rules[i], in.file(), in.path("rules") + fmt::format("[{}]", i)));
  }
  p.accumulator = in.format("accumulator", p.accumulator);
  p.loss_scaling = read_loss_scaling(in, p.loss_scaling);
  return p;
}

}  // namespace

PolicyConfig parse_policy_config(const YAML::Node& node, const std::string& file) {
  std::vector<std::string> names;
  for (const PolicyDescription& d : policy_descriptions()) names.emplace_back(d.name);
  auto kind_of = [&](const std::string& name) -> std::optional<PolicyKind> {
    for (const PolicyDescription& d : policy_descriptions())
      if (name == d.name) return d.kind;
    return std::nullopt;
  };
  auto unknown = [&](const std::string& name) {
    return PolicyConfigError(fmt::format("{}: key 'policy.name': unknown policy '{}' (did you mean '{}'?)", file, name,
                                         nearest_name(name, names)));
  };
  // Short form: `policy: lee`.
  if (node.IsScalar()) {
    const std::optional<PolicyKind> kind = kind_of(node.Scalar());
    if (!kind) throw unknown(node.Scalar());
    return parse_policy_config(YAML::Load("{name: " + node.Scalar() + "}"), file);
  }
  const FieldReader in(node, file, "policy");
  if (!in.has("name")) in.fail("name", fmt::format("is required (one of {})", fmt::join(names, ", ")));
  const std::string name = in.string("name", "");
  const std::optional<PolicyKind> kind = kind_of(name);
  if (!kind) throw unknown(name);
  in.reject_unknown(allowed_keys(*kind));
  PolicyConfig c;
  switch (*kind) {
    case PolicyKind::uniform: c.params = read_uniform(in); break;
    case PolicyKind::mixed16: c.params = read_mixed16(in); break;
    case PolicyKind::hfp8: c.params = read_hfp8(in); break;
    case PolicyKind::lee: c.params = read_lee(in); break;
    case PolicyKind::continuous16: c.params = read_continuous16(in); break;
    case PolicyKind::amax: c.params = read_amax(in); break;
    case PolicyKind::custom: c.params = read_custom(in); break;
  }
  return c;
}

}  // namespace mpsim::host
