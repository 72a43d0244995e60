// Typed reads of YAML scalars with one-line errors, "FILE: key 'policy.r': must be a number in
// [0, 1]" (DESIGN.md: every user-facing input is validated where it enters). One FieldReader per
// mapping: it knows the file and the key prefix, and checks keys against an allowed list,
// suggesting the nearest valid name for an unknown one.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/edit_distance.hpp"
#include "model/float_format.hpp"
#include "model/rounding.hpp"
#include "model/workload.hpp"

namespace mpsim::host {

// A bad value or key in a config file; what() is the whole one-line message.
struct ConfigFieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The candidate nearest to `word` (first of equals); "" when there are none.
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);

class FieldReader {
 public:
  // `prefix` is the dotted path of `map` ("policy", "policy.rules[2]"). Errors: ConfigFieldError.
  FieldReader(const YAML::Node& map, std::string file, std::string prefix);

  // Throws for the first key not in `allowed`: "unknown key (did you mean 'x'?)".
  void reject_unknown(const std::vector<std::string>& allowed) const;
  bool has(const std::string& key) const;
  YAML::Node node(const std::string& key) const { return map_[key]; }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  std::string path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

  // Each returns `fallback` when the key is absent.
  // A number in [lo, hi]; lo_open / hi_open exclude the bound: "(0, 1]".
  double number(const std::string& key, double fallback, double lo, double hi, bool lo_open = false,
                bool hi_open = false) const;
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string string(const std::string& key, std::string fallback) const;
  FloatFormat format(const std::string& key, FloatFormat fallback) const;
  Rounding rounding(const std::string& key, Rounding fallback) const;
  Overflow overflow(const std::string& key, Overflow fallback) const;
  // One of `names` (the enum values in the same order as `values`).
  template <typename Enum>
  Enum choice(const std::string& key, Enum fallback, const std::vector<std::pair<std::string, Enum>>& names) const {
    if (!has(key)) return fallback;
    const std::string s = scalar(key);
    for (const auto& [n, v] : names)
      if (n == s) return v;
    std::string allowed;
    std::vector<std::string> candidates;
    for (const auto& [n, v] : names) {
      allowed += (allowed.empty() ? "" : "|") + n;
      candidates.push_back(n);
    }
    fail(key, "must be one of " + allowed + ", not '" + s + "' (did you mean '" + nearest_name(s, candidates) + "'?)");
  }

  const std::string& file() const { return file_; }

 private:
  std::string scalar(const std::string& key) const;  // the key's scalar text, or fail()
  YAML::Node map_;
  std::string file_, prefix_;
};

// Names of the rounding and overflow options, as the CLI spells them (host/cli/options.hpp).
const std::vector<std::pair<std::string, Rounding>>& rounding_names();
const std::vector<std::pair<std::string, Overflow>>& overflow_names();
const char* rounding_name(Rounding r);
const char* overflow_name(Overflow o);

}  // namespace mpsim::host
