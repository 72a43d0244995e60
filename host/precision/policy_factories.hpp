// One factory per policy (each in its own file); make_policy (policy.cpp) picks by kind. Kept
// apart from policy.hpp so the training loop sees only the Policy interface.
#pragma once

#include <memory>
#include <string_view>

#include "host/config/policy_config.hpp"
#include "host/precision/policy.hpp"

namespace mpsim::host {

std::unique_ptr<Policy> make_uniform_policy(const UniformParams& p);
std::unique_ptr<Policy> make_mixed16_policy(const Mixed16Params& p);
std::unique_ptr<Policy> make_hfp8_policy(const Hfp8Params& p);
std::unique_ptr<Policy> make_lee_policy(const LeeParams& p);
std::unique_ptr<Policy> make_continuous16_policy(const Continuous16Params& p);
std::unique_ptr<Policy> make_amax_policy(const AmaxParams& p);
std::unique_ptr<Policy> make_custom_policy(const CustomParams& p);

// Shell-style glob on layer names: * (any run) and ? (one character); the custom policy.
bool glob_match(std::string_view pattern, std::string_view text);

// The per-tensor table every explain() ends with: name, role, numel, format (or fp32 kept),
// rounding, overflow, scale; then the memory metric.
std::string explain_tensors(const TensorRegistry& registry, const Assignment& assignment);

}  // namespace mpsim::host
