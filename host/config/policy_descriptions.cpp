// The table `mpsim policies` prints and the parser's list of accepted keys (policy_config.cpp).
// Each default is written as in YAML and must parse to the struct's default: a test parses
// every one of them.
#include "host/config/policy_config.hpp"

namespace mpsim::host {
namespace {

constexpr const char* kFormat = "format";  // mpsim policies explains format names once, below the table
constexpr const char* kRounding = "nearest|away|zero|stochastic";
constexpr const char* kOverflow = "saturate|inf";

// The five GradScaler keys, with the policy's defaults.
void add_loss_scaling(std::vector<ParamDescription>& p, const char* mode, const char* interval) {
  p.push_back({"loss_scale", "none|static|dynamic", mode,
               "loss scaling: static keeps initial_scale; dynamic halves on Inf/NaN (step skipped) and grows"});
  p.push_back({"initial_scale", "number > 0", "65536", "initial loss scale (GradScaler: 2^16)"});
  p.push_back({"growth_interval", "integer >= 0", interval, "clean steps before the scale grows; 0: one epoch of steps"});
  p.push_back({"growth_factor", "number > 1", "2", "scale multiplier after growth_interval clean steps"});
  p.push_back({"backoff_factor", "number in (0, 1)", "0.5", "scale multiplier on an Inf/NaN gradient"});
}

std::vector<PolicyDescription> build() {
  std::vector<PolicyDescription> d;
  {
    PolicyDescription p{PolicyKind::uniform, "uniform", "every tensor (θ, v, dv, dθ) in one format; fp32 = no rounding", {}};
    p.params = {{"format", kFormat, "fp32", "the format of every tensor"},
                {"rounding", kRounding, "nearest", "rounding mode (nearest = ties to even)"},
                {"overflow", kOverflow, "saturate", "what a value beyond max finite becomes"},
                {"include_master", "true|false", "false", "also round master weights and optimizer state"},
                {"accumulator", kFormat, "fp32", "GEMM accumulator (fp32: fast path; else the exact MAC)"}};
    add_loss_scaling(p.params, "none", "2000");
    d.push_back(p);
  }
  {
    PolicyDescription p{PolicyKind::mixed16, "mixed16",
                        "Micikevicius et al. 2018: 16-bit θ, v, dv, dθ; fp32 master weights and optimizer state", {}};
    p.params = {{"half", "fp16|bf16", "fp16", "the 16-bit format"},
                {"rounding", kRounding, "nearest", "rounding mode"}};
    add_loss_scaling(p.params, "dynamic", "2000");
    d.push_back(p);
  }
  {
    PolicyDescription p{PolicyKind::hfp8, "hfp8",
                        "π_op (HFP8 op-based): conv/linear weight and input low, output gradient 1-5-2, dθ 1-6-9, "
                        "rest high; first layer and last group high",
                        {}};
    p.params = {{"low", kFormat, "hfp8_lo", "weight and input activation of a conv/linear (1-4-3, bias 11)"},
                {"low_grad", kFormat, "hfp8_grad", "output gradient of a conv/linear (1-5-2)"},
                {"low_weight_grad", kFormat, "hfp8_hi", "weight gradient of a conv/linear (1-6-9)"},
                {"high", kFormat, "hfp8_hi", "every other θ, v, dv, dθ (1-6-9)"},
                {"rounding", kRounding, "away", "rounding mode (the paper: ties away from zero)"}};
    add_loss_scaling(p.params, "dynamic", "0");
    d.push_back(p);
  }
  {
    PolicyDescription p{PolicyKind::lee, "lee",
                        "π_ours(r) of Lee et al. (TMLR 2023): largest groups low until their share reaches r; "
                        "1% overflow promotion",
                        {}};
    p.params = {{"r", "number in [0, 1]", "0.5", "target share of elements in the low groups"},
                {"order", "decreasing|increasing|random", "decreasing", "group order (the paper: decreasing size)"},
                {"seed", "integer >= 0", "1", "seed of the random order"},
                {"promotion", "number in (0, 1] or off", "0.01",
                 "promote a low θ/v to high once this share of its elements overflows in a step"},
                {"high", kFormat, "hfp8_hi", "high format of every role (1-6-9)"},
                {"low", kFormat, "hfp8_lo", "low format of θ and v (1-4-3, bias 11, max 30)"},
                {"low_grad", kFormat, "hfp8_grad", "low format of dv (1-5-2)"},
                {"low_weight_grad", kFormat, "hfp8_hi", "low format of dθ (the paper keeps 1-6-9)"},
                {"low_bias", "integer or none", "none", "narrowed range: bias of `low` (hfp8_lo: 13 gives max 7.5, 14 max 3.75)"},
                {"rounding", kRounding, "away", "rounding mode (the paper: ties away from zero)"}};
    add_loss_scaling(p.params, "dynamic", "0");
    d.push_back(p);
  }
  {
    PolicyDescription p{PolicyKind::continuous16, "continuous16",
                        "Yun 2023: fp32 pre-training, then pure 16-bit (master weights and optimizer state too)", {}};
    p.params = {{"half", "fp16|bf16", "fp16", "the 16-bit format of every tensor"},
                {"pretrain_epochs", "integer >= 0", "0", "fp32 epochs before switching to 16 bits"},
                {"checkpoint", "path", "\"\"", "an fp32 checkpoint to continue from instead of pre-training"},
                {"adam_epsilon", "number > 0", "1e-8", "Adam's epsilon (below fp16's range at 1e-8)"},
                {"rounding", kRounding, "nearest", "rounding mode"}};
    add_loss_scaling(p.params, "none", "2000");
    d.push_back(p);
  }
  {
    PolicyDescription p{PolicyKind::amax, "amax",
                        "delayed per-tensor scaling from an amax history (Transformer Engine): fp8 forward and backward",
                        {}};
    p.params = {{"forward", kFormat, "e4m3", "format of θ and v"},
                {"backward", kFormat, "e5m2", "format of dv and dθ"},
                {"history_length", "integer in [1, 100000]", "1024", "amax values kept per tensor"},
                {"margin", "integer in [0, 64]", "0", "scale = 2^(floor(log2(max / amax)) - margin)"},
                {"algorithm", "max|most_recent", "max", "amax from the history's maximum or its latest value"}};
    d.push_back(p);
  }
  {
    PolicyDescription p{PolicyKind::custom, "custom",
                        "rules matching tensors by layer-name glob, role and size rank; first match wins, else fp32", {}};
    p.params = {{"rules", "list of {layer, role, largest, format, rounding, overflow}", "[]",
                 "layer: glob (* ?), role: weight|activation|... or any, largest: N biggest matches (0: all)"},
                {"accumulator", kFormat, "fp32", "GEMM accumulator"}};
    add_loss_scaling(p.params, "none", "2000");
    d.push_back(p);
  }
  return d;
}

}  // namespace

const std::vector<PolicyDescription>& policy_descriptions() {
  static const std::vector<PolicyDescription> table = build();
  return table;
}

const char* policy_kind_name(PolicyKind k) {
  for (const PolicyDescription& d : policy_descriptions())
    if (d.kind == k) return d.name;
  return "?";
}

}  // namespace mpsim::host
