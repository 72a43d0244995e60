// Reading a YAML config into typed values, checking each key where it is read (DESIGN.md
// "Conventions"): an unknown key names the nearest valid one, a wrong type or an out-of-range
// value says what is allowed, and every error is one line "FILE: key 'a.b': what is allowed".
// Shared by the hw and energy loaders; yaml-cpp stays behind this file.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/hw_config.hpp"

namespace mpsim::sim {

// The allowed name closest to `got` by edit distance ("" when none is within half its length).
std::string nearest_name(std::string_view got, std::initializer_list<std::string_view> allowed);
std::string nearest_name(std::string_view got, const std::vector<std::string_view>& allowed);

class ConfigReader {
 public:
  explicit ConfigReader(std::string path);
  // The same from an open stream; `path` names it in errors (the fuzz targets read from memory).
  ConfigReader(std::string path, std::istream& in);
  const std::string& path() const { return path_; }
  const YAML::Node& root() const { return root_; }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  // `node` (at `key`, "" for the root) must be a map whose keys are all in `allowed`, and hold
  // every key in `required`.
  void check_map(const YAML::Node& node, const std::string& key, std::initializer_list<std::string_view> allowed,
                 std::initializer_list<std::string_view> required = {}) const;
  // Every key of the map `map` (at `key`) is a scalar and appears once (check_map calls it).
  void check_keys(const YAML::Node& map, const std::string& key) const;
  const YAML::Node child(const YAML::Node& node, const std::string& key, std::string_view name) const;

  std::int64_t integer(const YAML::Node& node, const std::string& key, std::int64_t min, std::int64_t max) const;
  double number(const YAML::Node& node, const std::string& key, double min, double max, bool min_exclusive) const;
  bool boolean(const YAML::Node& node, const std::string& key) const;
  std::string text(const YAML::Node& node, const std::string& key) const;

 private:
  void load(std::istream& in);
  std::string path_;
  YAML::Node root_;
};

// "a.b" from "a" and "b" (or "b" when the parent is the root).
inline std::string join_key(const std::string& parent, std::string_view name) {
  return parent.empty() ? std::string(name) : parent + "." + std::string(name);
}

}  // namespace mpsim::sim
