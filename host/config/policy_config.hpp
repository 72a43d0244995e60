// A precision policy as configured: its kind and typed parameters, parsed once from YAML
// (STYLE.md 10). Everything below this boundary (host/precision/) reads these structs and never
// a string. The same table (policy_descriptions()) documents every key for `mpsim policies` and
// drives the unknown-key check, so the listing cannot drift from the parser.
//
// YAML shape (under the training config's `policy:` key):
//   policy:
//     name: lee          # uniform | mixed16 | hfp8 | lee | continuous16 | amax | custom
//     r: 0.5
//     order: decreasing
// or the short form `policy: lee` (all defaults).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "host/config/yaml_fields.hpp"
#include "host/precision/assignment.hpp"
#include "host/precision/lee_grouping.hpp"
#include "host/precision/loss_scaler.hpp"
#include "model/float_format.hpp"
#include "model/rounding.hpp"
#include "model/workload.hpp"


namespace mpsim::host {

// Keys shared by every policy that scales the loss: loss_scale (none | static | dynamic),
// initial_scale, growth_interval (0: one epoch of steps), growth_factor, backoff_factor.

// Every θ, v, dv, dθ in one format (and master weights / optimizer state too with
// include_master). fp32 means no rounding at all.
struct UniformParams {
  FloatFormat format = formats::fp32;
  Rounding rounding = Rounding::nearest_even;
  Overflow overflow = Overflow::saturate;
  bool include_master = false;  // also master weights and optimizer state (pure low precision)
  FloatFormat accumulator = formats::fp32;
  LossScalerConfig loss_scaling{LossScaling::none};
};

// Micikevicius et al. 2018: fp16 (or bf16) θ, v, dv, dθ; fp32 master weights and optimizer
// state; loss scaling as GradScaler. IEEE conversion: overflow to Inf, which the scaler sees.
struct Mixed16Params {
  FloatFormat half = formats::fp16;
  Rounding rounding = Rounding::nearest_even;
  LossScalerConfig loss_scaling{LossScaling::dynamic, 65536.0, 2.0, 0.5, 2000};
};

// π_op, the HFP8 op-based baseline (PAPERS.md "Baselines").
struct Hfp8Params {
  FloatFormat low = formats::hfp8_lo;           // weight and input activation of a conv/linear
  FloatFormat low_grad = formats::hfp8_grad;    // its output gradient
  FloatFormat low_weight_grad = formats::hfp8_hi;  // its dθ (1-6-9)
  FloatFormat high = formats::hfp8_hi;          // everything else
  Rounding rounding = Rounding::nearest_away;
  LossScalerConfig loss_scaling{LossScaling::dynamic, 65536.0, 2.0, 0.5, 0};
};

// π_ours(r) (PAPERS.md "Assignment π_ours(r)" and "Promotion").
struct LeeParams {
  double r = 0.5;
  GroupOrder order = GroupOrder::decreasing;
  std::uint64_t order_seed = 1;                  // GroupOrder::random only
  std::optional<double> promotion_threshold = 0.01;  // nullopt: promotion off
  FloatFormat high = formats::hfp8_hi;
  FloatFormat low = formats::hfp8_lo;            // θ and v of the chosen groups
  FloatFormat low_grad = formats::hfp8_grad;     // their dv
  FloatFormat low_weight_grad = formats::hfp8_hi;  // their dθ (stays 16-bit in the paper)
  // Narrowed range: replaces the bias of `low` (hfp8_lo: 11, max 30; 13: max 7.5; 14: max 3.75).
  std::optional<int> low_bias;
  Rounding rounding = Rounding::nearest_away;
  LossScalerConfig loss_scaling{LossScaling::dynamic, 65536.0, 2.0, 0.5, 0};
  FloatFormat low_forward() const {
    FloatFormat f = low;
    if (low_bias) f.bias = *low_bias;
    return f;
  }
};

// Yun: fp32 pre-training (K epochs, or an fp32 checkpoint), then pure 16-bit everything.
struct Continuous16Params {
  FloatFormat half = formats::fp16;
  int pretrain_epochs = 0;
  std::string checkpoint;          // an fp32 checkpoint to start from instead of pre-training
  double adam_epsilon = 1e-8;
  Rounding rounding = Rounding::nearest_even;
  LossScalerConfig loss_scaling{LossScaling::none};
};

// Transformer Engine's delayed scaling: per tensor, scale = 2^(floor(log2(fmax / amax)) - margin)
// from the max (or the most recent) of the last `history_length` amax values.
enum class AmaxAlgorithm : std::uint8_t { max, most_recent };
struct AmaxParams {
  FloatFormat forward = formats::e4m3;   // θ, v
  FloatFormat backward = formats::e5m2;  // dv, dθ
  int history_length = 1024;             // TE DelayedScaling's amax_history_len default
  int margin = 0;
  AmaxAlgorithm algorithm = AmaxAlgorithm::max;
};

// Rules tried in order, the first that matches a tensor gives its precision; tensors no rule
// matches keep fp32. A rule matches by layer-name glob (* and ?), role, and size rank: with
// largest = N only the N largest tensors among those the glob and role match.
struct CustomRule {
  std::string layer_glob = "*";
  std::optional<TensorRole> role;
  int largest = 0;  // 0: no rank condition
  TensorPrecision precision;
};
struct CustomParams {
  std::vector<CustomRule> rules;
  FloatFormat accumulator = formats::fp32;
  LossScalerConfig loss_scaling{LossScaling::none};
};

enum class PolicyKind : std::uint8_t { uniform, mixed16, hfp8, lee, continuous16, amax, custom };
const char* policy_kind_name(PolicyKind k);

// The variant's alternatives are in PolicyKind order, so kind() is the index.
using PolicyParams =
    std::variant<UniformParams, Mixed16Params, Hfp8Params, LeeParams, Continuous16Params, AmaxParams, CustomParams>;

struct PolicyConfig {
  PolicyParams params = UniformParams{};
  PolicyKind kind() const { return static_cast<PolicyKind>(params.index()); }
};

// Thrown on a bad policy config; what() is one line: "FILE: key 'policy.r': must be ...".
using PolicyConfigError = ConfigFieldError;

// `node` is the value of the `policy` key (a mapping, or a scalar policy name). Unknown keys
// are rejected naming the nearest valid one; types and ranges are checked.
PolicyConfig parse_policy_config(const YAML::Node& node, const std::string& file);

// The documentation table: `mpsim policies` prints it; the parser accepts exactly these keys.
struct ParamDescription {
  const char* key;
  const char* type;   // e.g. "number in [0, 1]", "format", "decreasing|increasing|random"
  const char* default_value;  // as written in YAML; parses to the struct's default
  const char* help;
};
struct PolicyDescription {
  PolicyKind kind;
  const char* name;
  const char* summary;
  std::vector<ParamDescription> params;  // without `name`
};
const std::vector<PolicyDescription>& policy_descriptions();

}  // namespace mpsim::host
