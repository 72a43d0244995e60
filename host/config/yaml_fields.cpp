#include "host/config/yaml_fields.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/core.h>

#include "model/format_names.hpp"

namespace mpsim::host {

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = SIZE_MAX;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

FieldReader::FieldReader(const YAML::Node& map, std::string file, std::string prefix)
    : map_(map), file_(std::move(file)), prefix_(std::move(prefix)) {
  if (!map_.IsMap()) throw ConfigFieldError(fmt::format("{}: key '{}': must be a mapping of keys to values", file_, prefix_));
  // yaml-cpp keeps both entries of a repeated key and answers lookups with the first, so a key
  // written twice would be read half; every map of a config passes here, so it is rejected here.
  std::map<std::string, int> first_line;
  for (const auto& kv : map_) {
    if (!kv.first.IsScalar()) {
      const std::string what = "keys must be plain names, not a list or mapping";
      throw ConfigFieldError(prefix_.empty() ? file_ + ": " + what : fmt::format("{}: key '{}': {}", file_, prefix_, what));
    }
    const int line = kv.first.Mark().line + 1;
    if (const auto [it, fresh] = first_line.emplace(kv.first.Scalar(), line); !fresh)
      fail(kv.first.Scalar(), fmt::format("given twice (lines {} and {}); each key may appear once", it->second, line));
  }
}

void FieldReader::fail(const std::string& key, const std::string& what) const {
  throw ConfigFieldError(fmt::format("{}: key '{}': {}", file_, path(key), what));
}

void FieldReader::reject_unknown(const std::vector<std::string>& allowed) const {
  for (const auto& kv : map_) {
    const std::string key = kv.first.Scalar();  // a scalar: the constructor checked
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(key, "unknown key (did you mean '" + nearest_name(key, allowed) + "'?)");
  }
}

bool FieldReader::has(const std::string& key) const { return static_cast<bool>(map_[key]); }

std::string FieldReader::scalar(const std::string& key) const {
  const YAML::Node n = map_[key];
  if (!n.IsScalar()) fail(key, "must be a single value, not a list or mapping");
  return n.Scalar();
}

double FieldReader::number(const std::string& key, double fallback, double lo, double hi, bool lo_open,
                           bool hi_open) const {
  if (!has(key)) return fallback;
  const std::string s = scalar(key);
  const std::string range = fmt::format("{}{}, {}{}", lo_open ? "(" : "[", lo, hi, hi_open ? ")" : "]");
  double v = 0;
  try {
    std::size_t used = 0;
    v = std::stod(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
  } catch (const std::exception&) {
    fail(key, "must be a number in " + range + ", not '" + s + "'");
  }
  if (!std::isfinite(v) || v < lo || v > hi || (lo_open && v == lo) || (hi_open && v == hi)) fail(key, "must be a number in " + range + ", not " + s);
  return v;
}

std::int64_t FieldReader::integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const {
  if (!has(key)) return fallback;
  const std::string s = scalar(key);
  const std::string range = fmt::format("[{}, {}]", lo, hi);
  long long v = 0;
  try {
    std::size_t used = 0;
    v = std::stoll(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
  } catch (const std::exception&) {
    fail(key, "must be an integer in " + range + ", not '" + s + "'");
  }
  if (v < lo || v > hi) fail(key, "must be an integer in " + range + ", not " + s);
  return v;
}

bool FieldReader::boolean(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const std::string s = scalar(key);
  if (s == "true") return true;
  if (s == "false") return false;
  fail(key, "must be true or false, not '" + s + "'");
}

std::string FieldReader::string(const std::string& key, std::string fallback) const {
  if (!has(key)) return fallback;
  return scalar(key);
}

FloatFormat FieldReader::format(const std::string& key, FloatFormat fallback) const {
  if (!has(key)) return fallback;
  const std::string s = scalar(key);
  try {
    return parse_format(s);
  } catch (const std::invalid_argument& e) {
    fail(key, e.what());
  }
}

const std::vector<std::pair<std::string, Rounding>>& rounding_names() {
  static const std::vector<std::pair<std::string, Rounding>> names = {{"nearest", Rounding::nearest_even},
                                                                      {"away", Rounding::nearest_away},
                                                                      {"zero", Rounding::toward_zero},
                                                                      {"stochastic", Rounding::stochastic}};
  return names;
}
const std::vector<std::pair<std::string, Overflow>>& overflow_names() {
  static const std::vector<std::pair<std::string, Overflow>> names = {{"saturate", Overflow::saturate},
                                                                      {"inf", Overflow::infinity}};
  return names;
}
const char* rounding_name(Rounding r) {
  for (const auto& [n, v] : rounding_names())
    if (v == r) return n.c_str();
  return "?";
}
const char* overflow_name(Overflow o) {
  for (const auto& [n, v] : overflow_names())
    if (v == o) return n.c_str();
  return "?";
}

Rounding FieldReader::rounding(const std::string& key, Rounding fallback) const { return choice(key, fallback, rounding_names()); }
Overflow FieldReader::overflow(const std::string& key, Overflow fallback) const { return choice(key, fallback, overflow_names()); }

}  // namespace mpsim::host
