// parse_policy_config: good configs become the typed parameters, every documented default
// parses to the struct's default, and bad ones give one exact line naming file, key and rule.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "host/config/policy_config.hpp"
#include "model/format_names.hpp"

using namespace mpsim;
using namespace mpsim::host;

namespace {

PolicyConfig parse(const std::string& yaml) { return parse_policy_config(YAML::Load(yaml), "cfg.yaml"); }

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const PolicyConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string format_error(const std::string& name) {
  try {
    parse_format(name);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(parsed)";
}

}  // namespace

TEST_CASE("policy config: a full lee config and the short form", "[host][precision]") {
  const PolicyConfig c = parse(
      "{name: lee, r: 0.3, order: random, seed: 7, promotion: off, low: e4m3, low_grad: e5m2, "
      "high: fp16, low_bias: 9, loss_scale: static, initial_scale: 1024}");
  REQUIRE(c.kind() == PolicyKind::lee);
  const LeeParams& p = std::get<LeeParams>(c.params);
  CHECK(p.r == 0.3);
  CHECK(p.order == GroupOrder::random);
  CHECK(p.order_seed == 7);
  CHECK_FALSE(p.promotion_threshold.has_value());
  CHECK(p.low == formats::e4m3);
  CHECK(p.low_forward().bias == 9);
  CHECK(p.low_grad == formats::e5m2);
  CHECK(p.high == formats::fp16);
  CHECK(p.loss_scaling.mode == LossScaling::fixed);
  CHECK(p.loss_scaling.initial_scale == 1024.0);
  CHECK(parse("lee").kind() == PolicyKind::lee);
  CHECK(parse("custom").kind() == PolicyKind::custom);

  const PolicyConfig u = parse(R"({name: custom, rules: [{layer: "conv*", role: activation, largest: 3, format: e4m3,
                                   rounding: stochastic, overflow: inf}, {format: fp16}]})");
  const CustomParams& cp = std::get<CustomParams>(u.params);
  REQUIRE(cp.rules.size() == 2);
  CHECK(cp.rules[0].layer_glob == "conv*");
  CHECK(cp.rules[0].role == TensorRole::activation);
  CHECK(cp.rules[0].largest == 3);
  CHECK(cp.rules[0].precision.format == formats::e4m3);
  CHECK(cp.rules[0].precision.rounding == Rounding::stochastic);
  CHECK(cp.rules[0].precision.overflow == Overflow::infinity);
  CHECK(cp.rules[1].layer_glob == "*");
  CHECK_FALSE(cp.rules[1].role.has_value());
}

TEST_CASE("policy config: every documented default parses to the struct's default", "[host][precision]") {
  for (const PolicyDescription& d : policy_descriptions()) {
    const PolicyConfig bare = parse(std::string("{name: ") + d.name + "}");
    CHECK(bare.kind() == d.kind);
    CHECK(std::string(policy_kind_name(d.kind)) == d.name);
    std::string all = std::string("{name: ") + d.name;
    for (const ParamDescription& p : d.params) {
      INFO(d.name << "." << p.key << " = " << p.default_value);
      const PolicyConfig one = parse(std::string("{name: ") + d.name + ", " + p.key + ": " + p.default_value + "}");
      // Each documented default leaves the config equal to the bare one (compared through
      // the variant's alternatives, which have no operator== of their own: re-parse the keys
      // that matter by visiting).
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            const T& y = std::get<T>(bare.params);
            if constexpr (std::is_same_v<T, LeeParams>) {
              CHECK((x.r == y.r && x.order == y.order && x.order_seed == y.order_seed &&
                     x.promotion_threshold == y.promotion_threshold && x.high == y.high && x.low == y.low &&
                     x.low_grad == y.low_grad && x.low_weight_grad == y.low_weight_grad && x.low_bias == y.low_bias &&
                     x.rounding == y.rounding && x.loss_scaling == y.loss_scaling));
            } else if constexpr (std::is_same_v<T, UniformParams>) {
              CHECK((x.format == y.format && x.rounding == y.rounding && x.overflow == y.overflow &&
                     x.include_master == y.include_master && x.accumulator == y.accumulator &&
                     x.loss_scaling == y.loss_scaling));
            } else if constexpr (std::is_same_v<T, Mixed16Params>) {
              CHECK((x.half == y.half && x.rounding == y.rounding && x.loss_scaling == y.loss_scaling));
            } else if constexpr (std::is_same_v<T, Hfp8Params>) {
              CHECK((x.low == y.low && x.low_grad == y.low_grad && x.low_weight_grad == y.low_weight_grad &&
                     x.high == y.high && x.rounding == y.rounding && x.loss_scaling == y.loss_scaling));
            } else if constexpr (std::is_same_v<T, Continuous16Params>) {
              CHECK((x.half == y.half && x.pretrain_epochs == y.pretrain_epochs && x.checkpoint == y.checkpoint &&
                     x.adam_epsilon == y.adam_epsilon && x.rounding == y.rounding && x.loss_scaling == y.loss_scaling));
            } else if constexpr (std::is_same_v<T, AmaxParams>) {
              CHECK((x.forward == y.forward && x.backward == y.backward && x.history_length == y.history_length &&
                     x.margin == y.margin && x.algorithm == y.algorithm));
            } else {
              CHECK((x.rules.size() == y.rules.size() && x.accumulator == y.accumulator && x.loss_scaling == y.loss_scaling));
            }
          },
          one.params);
    }
  }
  // The defaults are the paper's (PAPERS.md).
  const LeeParams lee = std::get<LeeParams>(parse("lee").params);
  CHECK(lee.promotion_threshold == 0.01);
  CHECK(lee.low == formats::hfp8_lo);
  CHECK(lee.rounding == Rounding::nearest_away);
  CHECK(lee.loss_scaling.initial_scale == 65536.0);
}

TEST_CASE("policy config: bad inputs give one exact line", "[host][precision]") {
  struct Case {
    const char* yaml;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{name: lee, r: 1.5}", "cfg.yaml: key 'policy.r': must be a number in [0, 1], not 1.5"},
      {"{name: lee, r: abc}", "cfg.yaml: key 'policy.r': must be a number in [0, 1], not 'abc'"},
      {"{name: lee, r: [1, 2]}", "cfg.yaml: key 'policy.r': must be a single value, not a list or mapping"},
      {"{name: lee, rr: 0.5}", "cfg.yaml: key 'policy.rr': unknown key (did you mean 'r'?)"},
      {"{name: lee, promotoin: 0.01}", "cfg.yaml: key 'policy.promotoin': unknown key (did you mean 'promotion'?)"},
      {"{name: lee, promotion: 0}", "cfg.yaml: key 'policy.promotion': must be a number in (0, 1], not 0"},
      {"{name: lee, order: decreasingg}",
       "cfg.yaml: key 'policy.order': must be one of decreasing|increasing|random, not 'decreasingg' (did you mean "
       "'decreasing'?)"},
      {"{name: lee, seed: -1}", "cfg.yaml: key 'policy.seed': must be an integer in [0, 9223372036854775807], not -1"},
      {"{name: leee}", "cfg.yaml: key 'policy.name': unknown policy 'leee' (did you mean 'lee'?)"},
      {"mixd16", "cfg.yaml: key 'policy.name': unknown policy 'mixd16' (did you mean 'mixed16'?)"},
      {"{r: 0.5}",
       "cfg.yaml: key 'policy.name': is required (one of uniform, mixed16, hfp8, lee, continuous16, amax, custom)"},
      {"{name: mixed16, half: e4m3}", "cfg.yaml: key 'policy.half': must be fp16 or bf16"},
      {"{name: mixed16, halff: fp16}", "cfg.yaml: key 'policy.halff': unknown key (did you mean 'half'?)"},
      {"{name: mixed16, backoff_factor: 1}", "cfg.yaml: key 'policy.backoff_factor': must be a number in (0, 1), not 1"},
      {"{name: mixed16, loss_scale: dynamc}",
       "cfg.yaml: key 'policy.loss_scale': must be one of none|static|dynamic, not 'dynamc' (did you mean 'dynamic'?)"},
      {"{name: uniform, include_master: maybe}", "cfg.yaml: key 'policy.include_master': must be true or false, not 'maybe'"},
      {"{name: uniform, rounding: neerest}",
       "cfg.yaml: key 'policy.rounding': must be one of nearest|away|zero|stochastic, not 'neerest' (did you mean 'nearest'?)"},
      {"{name: amax, history_length: 0}", "cfg.yaml: key 'policy.history_length': must be an integer in [1, 100000], not 0"},
      {"{name: amax, margin: 1.5}", "cfg.yaml: key 'policy.margin': must be an integer in [0, 64], not '1.5'"},
      {"{name: continuous16, adam_epsilon: 0}", "cfg.yaml: key 'policy.adam_epsilon': must be a number in (0, 1], not 0"},
      {"{name: lee, low: e9m3}", "cfg.yaml: key 'policy.low': " + format_error("e9m3")},
      {"{name: lee, low_bias: 600}", "cfg.yaml: key 'policy.low_bias': must be an integer in [-400, 400], not 600"},
      {"{name: custom, rules: {format: e4m3}}", "cfg.yaml: key 'policy.rules': must be a list of rules"},
      {"{name: custom, rules: [{layer: '*', formt: e4m3}]}",
       "cfg.yaml: key 'policy.rules[0].formt': unknown key (did you mean 'format'?)"},
      {"{name: custom, rules: [{format: e4m3}, {role: activation}]}",
       "cfg.yaml: key 'policy.rules[1].format': is required in every rule"},
      {"{name: custom, rules: [{format: e4m3, role: activations}]}",
       "cfg.yaml: key 'policy.rules[0].role': must be one of any|weight|master_weight|activation|activation_grad|"
       "weight_grad|optimizer_state|loss_scale, not 'activations' (did you mean 'activation'?)"},
      {"[lee]", "cfg.yaml: key 'policy': must be a mapping of keys to values"},
      // yaml-cpp keeps a repeated key and answers lookups with the first: the reader refuses it.
      {"{name: lee, r: 0.5, r: 0.7}",
       "cfg.yaml: key 'policy.r': given twice (lines 1 and 1); each key may appear once"},
      {"name: lee\nr: 0.5\nname: uniform\n",
       "cfg.yaml: key 'policy.name': given twice (lines 1 and 3); each key may appear once"},
      {"{name: lee, r: .nan}", "cfg.yaml: key 'policy.r': must be a number in [0, 1], not '.nan'"},
      {"{name: lee, [r]: 0.5}", "cfg.yaml: key 'policy': keys must be plain names, not a list or mapping"},
      {"{name: custom, rules: [{format: e4m3, format: e5m2}]}",
       "cfg.yaml: key 'policy.rules[0].format': given twice (lines 1 and 1); each key may appear once"},
  };
  for (const Case& c : cases) {
    INFO(c.yaml);
    CHECK(error_of(c.yaml) == c.message);
  }
}
