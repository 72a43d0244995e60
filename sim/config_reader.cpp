#include "sim/config_reader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <vector>

#include "model/edit_distance.hpp"

namespace mpsim::sim {

namespace {

std::string scalar_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "nothing";
}

}  // namespace

std::string nearest_name(std::string_view got, std::initializer_list<std::string_view> allowed) {
  return nearest_name(got, std::vector<std::string_view>(allowed));
}

std::string nearest_name(std::string_view got, const std::vector<std::string_view>& allowed) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (std::string_view name : allowed) {
    const std::size_t d = edit_distance(got, name);
    if (d < best_d) {
      best_d = d;
      best = name;
    }
  }
  return best_d <= std::max<std::size_t>(2, got.size() / 2) ? best : std::string();
}

ConfigReader::ConfigReader(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  if (!in) throw ConfigError(path_ + ": cannot open the file");
  load(in);
}

ConfigReader::ConfigReader(std::string path, std::istream& in) : path_(std::move(path)) { load(in); }

void ConfigReader::load(std::istream& in) {
  try {
    root_ = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's what() spans one line: "yaml-cpp: error at line L, column C: ..."
    throw ConfigError(path_ + ": not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root_.IsMap()) throw ConfigError(path_ + ": the file must be a YAML map of keys (docs/SIM.md)");
}

void ConfigReader::fail(const std::string& key, const std::string& what) const {
  throw ConfigError(path_ + ": key '" + key + "': " + what);
}

void ConfigReader::check_map(const YAML::Node& node, const std::string& key,
                             std::initializer_list<std::string_view> allowed,
                             std::initializer_list<std::string_view> required) const {
  std::string names;
  for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
  if (!node.IsMap()) fail(key, "must be a map with keys " + names + " (got " + scalar_text(node) + ")");
  check_keys(node, key);
  for (const auto& entry : node) {
    const std::string name = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      const std::string near = nearest_name(name, allowed);
      fail(join_key(key, name), "unknown key" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
                                    " Allowed: " + names);
    }
  }
  for (std::string_view r : required) {
    if (!node[std::string(r)]) fail(join_key(key, r), "missing; required");
  }
}

void ConfigReader::check_keys(const YAML::Node& map, const std::string& key) const {
  // yaml-cpp keeps both entries of a repeated key and answers lookups with the first, so a key
  // written twice would be read half; it is rejected instead.
  std::map<std::string, int> first_line;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) {
      const std::string what = "keys must be plain names (got " + scalar_text(entry.first) + " as a key)";
      if (key.empty()) throw ConfigError(path_ + ": " + what);
      fail(key, what);
    }
    const int line = entry.first.Mark().line + 1;
    if (const auto [it, fresh] = first_line.emplace(entry.first.Scalar(), line); !fresh) {
      fail(join_key(key, entry.first.Scalar()), "given twice (lines " + std::to_string(it->second) + " and " +
                                                    std::to_string(line) + "); each key may appear once");
    }
  }
}

const YAML::Node ConfigReader::child(const YAML::Node& node, const std::string& key, std::string_view name) const {
  const YAML::Node c = node[std::string(name)];
  if (!c || c.IsNull()) fail(join_key(key, name), "missing; required");
  return c;
}

std::int64_t ConfigReader::integer(const YAML::Node& node, const std::string& key, std::int64_t min,
                                   std::int64_t max) const {
  const std::string allowed = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!node.IsScalar()) fail(key, allowed + " (got " + scalar_text(node) + ")");
  const std::string& s = node.Scalar();
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(s, &used, 10);
  } catch (const std::exception&) {
    fail(key, allowed + " (got '" + s + "')");
  }
  if (used != s.size()) fail(key, allowed + " (got '" + s + "')");
  if (v < min || v > max) fail(key, allowed + " (got " + s + ")");
  return v;
}

double ConfigReader::number(const YAML::Node& node, const std::string& key, double min, double max,
                            bool min_exclusive) const {
  const auto fmt = [](double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  const std::string allowed = std::string("a number ") + (min_exclusive ? "greater than " : "from ") + fmt(min) +
                              (min_exclusive ? " and up to " : " to ") + fmt(max);
  if (!node.IsScalar()) fail(key, allowed + " (got " + scalar_text(node) + ")");
  const std::string& s = node.Scalar();
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    fail(key, allowed + " (got '" + s + "')");
  }
  // std::stod reads "nan" and "inf"; neither is a size, a rate or an energy.
  if (used != s.size() || !std::isfinite(v)) fail(key, allowed + " (got '" + s + "')");
  if (v < min || v > max || (min_exclusive && v == min)) fail(key, allowed + " (got " + s + ")");
  return v;
}

bool ConfigReader::boolean(const YAML::Node& node, const std::string& key) const {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  fail(key, "true or false (got '" + scalar_text(node) + "')");
}

std::string ConfigReader::text(const YAML::Node& node, const std::string& key) const {
  if (!node.IsScalar() || node.Scalar().empty()) fail(key, "a non-empty string (got " + scalar_text(node) + ")");
  return node.Scalar();
}

}  // namespace mpsim::sim
