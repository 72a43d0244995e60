// custom: an assignment written as rules (host/config/policy_config.hpp CustomRule). For each
// tensor the first rule that matches gives its precision; unmatched tensors keep fp32. The loss
// scale is a scalar and always stays fp32.
#include <algorithm>

#include <fmt/core.h>

#include "host/precision/policy_factories.hpp"

namespace mpsim::host {

// Shell-style glob: '*' any run of characters (also empty), '?' one character; no classes.
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

class CustomPolicy final : public Policy {
 public:
  explicit CustomPolicy(const CustomParams& p) : p_(p) {}
  std::string name() const override { return "custom"; }

  Assignment initial(const TensorRegistry& registry) override {
    Assignment a = fp32_assignment(registry);
    a.accumulator = p_.accumulator;
    std::vector<bool> done(registry.tensors().size(), false);
    matched_rule_.assign(registry.tensors().size(), -1);
    for (std::size_t r = 0; r < p_.rules.size(); ++r) {
      const CustomRule& rule = p_.rules[r];
      // The tensors this rule's glob and role match, largest first (ties: registration order);
      // with `largest` only the first N of them.
      std::vector<TensorId> hits;
      for (const TensorInfo& t : registry.tensors())
        if (t.role != TensorRole::loss_scale && (!rule.role || *rule.role == t.role) &&
            glob_match(rule.layer_glob, registry.layer(t.layer).name))
          hits.push_back(t.id);
      std::stable_sort(hits.begin(), hits.end(),
                       [&](TensorId x, TensorId y) { return registry.tensor(x).numel > registry.tensor(y).numel; });
      if (rule.largest > 0 && static_cast<int>(hits.size()) > rule.largest) hits.resize(static_cast<std::size_t>(rule.largest));
      for (TensorId id : hits) {
        const auto i = static_cast<std::size_t>(id);
        if (done[i]) continue;  // an earlier rule matched first
        done[i] = true;
        matched_rule_[i] = static_cast<int>(r);
        a[id] = rule.precision;
      }
    }
    return a;
  }
  LossScalerConfig loss_scaling() const override { return p_.loss_scaling; }
  std::string explain(const TensorRegistry& registry, const Assignment& assignment) const override {
    std::string out = fmt::format("policy custom: {} rule(s); first match wins\n", p_.rules.size());
    for (const TensorInfo& t : registry.tensors()) {
      const auto i = static_cast<std::size_t>(t.id);
      const int r = i < matched_rule_.size() ? matched_rule_[i] : -1;
      out += fmt::format("  {:<28} {}\n", t.name, r < 0 ? std::string("no rule (fp32)") : fmt::format("rule {}", r));
    }
    return out + explain_tensors(registry, assignment);
  }

 private:
  CustomParams p_;
  std::vector<int> matched_rule_;
};

}  // namespace

std::unique_ptr<Policy> make_custom_policy(const CustomParams& p) { return std::make_unique<CustomPolicy>(p); }

}  // namespace mpsim::host
