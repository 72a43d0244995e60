#include "host/config/experiment_config.hpp"

#include <filesystem>
#include <fstream>
#include <fmt/format.h>
#include <set>

#include "host/config/yaml_fields.hpp"

namespace mpsim::host {
namespace {

namespace fs = std::filesystem;

// Paths inside an experiment file are relative to the file, so an experiment directory can be
// moved or run from anywhere.
std::string resolve(const std::string& path, const std::string& experiment_file) {
  if (fs::path(path).is_absolute()) return path;
  return (fs::path(experiment_file).parent_path() / path).lexically_normal().string();
}

std::vector<std::string> string_list(const FieldReader& r, const std::string& key, bool required) {
  std::vector<std::string> out;
  if (!r.has(key)) {
    if (required) r.fail(key, "is required (a list)");
    return out;
  }
  const YAML::Node list = r.node(key);
  if (!list.IsSequence()) r.fail(key, "must be a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].IsScalar()) r.fail(key + "[" + std::to_string(i) + "]", "must be a single value");
    out.push_back(list[i].as<std::string>());
  }
  if (required && out.empty()) r.fail(key, "must not be empty");
  return out;
}

// A label names a directory and a report row: letters, digits and . _ + - only.
bool valid_label(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

ExperimentConfig load_experiment_config(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ConfigFieldError(file + ": cannot open for reading");
  return read_experiment_config(in, file);
}

ExperimentConfig read_experiment_config(std::istream& in, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    throw ConfigFieldError(fmt::format("{}: line {}: not valid YAML: {}", file, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) throw ConfigFieldError(file + ": must be a mapping of keys (name, train, assignments, ...)");
  const FieldReader r(root, file, "");
  r.reject_unknown({"name", "description", "train", "set", "seeds", "hw", "timing", "backend", "threads", "out",
                    "assignments"});

  ExperimentConfig c;
  c.file = file;
  c.name = r.string("name", fs::path(file).stem().string());
  if (!valid_label(c.name)) r.fail("name", "must be 1-64 letters, digits or . _ + -");
  if (!r.has("train")) r.fail("train", "is required (a training config, configs/train/*.yaml)");
  c.train_file = resolve(r.string("train", ""), file);
  c.overrides = string_list(r, "set", false);
  for (const std::string& s : r.has("seeds") ? string_list(r, "seeds", true) : std::vector<std::string>{"1"}) {
    try {
      std::size_t used = 0;
      const unsigned long long v = std::stoull(s, &used);
      if (used != s.size() || s[0] == '-') throw std::invalid_argument("seed");
      c.seeds.push_back(v);
    } catch (const std::exception&) {
      r.fail("seeds", "must be a list of non-negative integers, not '" + s + "'");
    }
  }
  if (std::set<std::uint64_t>(c.seeds.begin(), c.seeds.end()).size() != c.seeds.size())
    r.fail("seeds", "must not repeat a seed");
  const std::vector<std::string> hw_list = string_list(r, "hw", true);
  for (std::size_t i = 0; i < hw_list.size(); ++i) {
    c.hw_files.push_back(resolve(hw_list[i], file));
    // The error_code overloads: a path the system refuses (too long, say) is a file that cannot
    // be opened, not a filesystem_error escaping (found by tests/fuzz, fuzz_experiment_config).
    std::error_code ec;
    if (!fs::is_regular_file(c.hw_files.back(), ec))
      r.fail("hw[" + std::to_string(i) + "]", "cannot open '" + c.hw_files.back() + "' (paths are relative to this file)");
    try {
      c.hw.push_back(sim::load_hw_config(c.hw_files.back()));
    } catch (const sim::ConfigError& e) {
      throw ConfigFieldError(e.what());
    }
  }
  c.timing_set = r.has("timing");
  c.timing = r.choice<sim::TimingMode>("timing", sim::TimingMode::mpsim,
                                       {{"mpsim", sim::TimingMode::mpsim}, {"scalesim", sim::TimingMode::scalesim}});
  c.backend = r.choice<std::string>("backend", "cpu", {{"cpu", "cpu"}, {"cuda", "cuda"}});
  c.threads = static_cast<int>(r.integer("threads", 0, 0, 1024));
  c.out = r.string("out", "results/" + c.name);

  // The training config once, to report its own errors against its own file.
  YAML::Node base;
  // A directory, a device or a FIFO is no training config (opening a FIFO waits for a writer).
  std::error_code ec;
  if (!fs::is_regular_file(c.train_file, ec))
    r.fail("train", "cannot open '" + c.train_file + "' (paths are relative to this file)");
  try {
    base = YAML::LoadFile(c.train_file);
  } catch (const YAML::BadFile&) {
    r.fail("train", "cannot open '" + c.train_file + "' (paths are relative to this file)");
  } catch (const YAML::Exception& e) {
    throw ConfigFieldError(fmt::format("{}: line {}: not valid YAML: {}", c.train_file, e.mark.line + 1, e.msg));
  }
  for (const std::string& o : c.overrides) apply_override(base, o, file);

  if (!r.has("assignments")) r.fail("assignments", "is required (a list of {label, policy})");
  const YAML::Node list = r.node("assignments");
  if (!list.IsSequence() || list.size() == 0) r.fail("assignments", "must be a non-empty list of {label, policy}");
  std::set<std::string> labels;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string where = "assignments[" + std::to_string(i) + "]";
    const FieldReader a(list[i], file, where);
    a.reject_unknown({"label", "policy"});
    ExperimentAssignment point;
    point.label = a.string("label", "");
    if (!valid_label(point.label)) a.fail("label", "is required: 1-64 letters, digits or . _ + -");
    if (!labels.insert(point.label).second) a.fail("label", "'" + point.label + "' is used twice");
    if (!a.has("policy")) a.fail("policy", "is required (a policy name or {name: ..., params})");
    point.train_yaml = YAML::Clone(base);
    point.train_yaml["policy"] = YAML::Clone(a.node("policy"));
    // The policy's errors name the experiment file, where the policy was written.
    point.train = parse_train_config(point.train_yaml, file + " (" + where + ", training config " + c.train_file + ")");
    c.assignments.push_back(std::move(point));
  }
  return c;
}

TrainConfig point_train_config(const ExperimentAssignment& a, std::uint64_t seed) {
  TrainConfig t = a.train;
  t.seed = seed;
  t.dataset.seed = seed;
  return t;
}

}  // namespace mpsim::host
