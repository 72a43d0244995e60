// JSON-lines reading and writing of the Workload (workload.hpp), with nlohmann::json.
#include "model/workload.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>

#include "model/atomic_file.hpp"
#include "model/format_names.hpp"

namespace mpsim {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxDim = std::int64_t{1} << 40;
// MACs of one op, and of the whole stream: counts downstream (MACs, cycles, bytes) are int64,
// and three dimensions of up to 2^40 would overflow it.
constexpr std::int64_t kMaxMacs = std::int64_t{1} << 62;

const char* const kPhaseNames[] = {"fwd", "bwd_data", "bwd_weight"};
const char* const kRoleNames[] = {"weight",      "master_weight",   "activation", "activation_grad",
                                  "weight_grad", "optimizer_state", "loss_scale"};

template <typename Enum, std::size_t N>
Enum parse_enum(std::string_view name, const char* const (&names)[N], const char* what) {
  std::string allowed;
  for (std::size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
    allowed += (i ? ", " : "") + std::string(names[i]);
  }
  throw std::invalid_argument("unknown " + std::string(what) + " '" + std::string(name) + "' (allowed: " + allowed + ")");
}

// Errors inside one line: the reader adds "FILE:LINE: ".
struct FieldError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void reject_unknown_keys(const json& object, std::initializer_list<const char*> keys, const std::string& where) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (const char* k : keys) known = known || item.key() == k;
    if (!known) {
      std::string allowed;
      for (const char* k : keys) allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      throw FieldError(where + "unknown key '" + item.key() + "' (allowed: " + allowed + ")");
    }
  }
}

const json& required(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end()) throw FieldError(where + "missing key '" + key + "'");
  return *it;
}

std::string string_field(const json& object, const char* key, const std::string& where) {
  const json& v = required(object, key, where);
  if (!v.is_string()) throw FieldError(where + "'" + key + "' must be a string");
  return v.get<std::string>();
}

std::int64_t dim_field(const json& object, const char* key) {
  const json& v = required(object, key, "");
  if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > kMaxDim) {
    throw FieldError(std::string("'") + key + "' must be an integer from 1 to 2^40, got " + v.dump());
  }
  return v.get<std::int64_t>();
}

FloatFormat format_field(const json& object, const char* key, const std::string& where) {
  const std::string name = string_field(object, key, where);
  try {
    return parse_format(name);
  } catch (const std::invalid_argument& e) {
    throw FieldError(where + "'" + key + "': " + e.what());
  }
}

TensorRef tensor_field(const json& op, const char* key) {
  const json& v = required(op, key, "");
  const std::string where = std::string(key) + ": ";
  if (!v.is_object()) throw FieldError(std::string("'") + key + "' must be an object with tensor, role, format");
  reject_unknown_keys(v, {"tensor", "role", "format"}, where);
  TensorRef t;
  t.name = string_field(v, "tensor", where);
  try {
    t.role = parse_role(string_field(v, "role", where));
  } catch (const std::invalid_argument& e) {
    throw FieldError(where + "'role': " + e.what());
  }
  t.format = format_field(v, "format", where);
  return t;
}

// json::parse keeps the last of a repeated key; a line that says a value twice is refused
// instead, through the parser's callback, which sees every key of every object as it is read.
json parse_line(const std::string& line) {
  std::vector<std::set<std::string>> keys;  // per open object, innermost last
  return json::parse(line, [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    else if (event == json::parse_event_t::object_end) keys.pop_back();
    else if (event == json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second)
      throw FieldError("key '" + parsed.get<std::string>() + "' given twice");
    return true;
  });
}

GemmOp op_from_json(const json& j) {
  if (!j.is_object()) throw FieldError("a line must be one JSON object");
  reject_unknown_keys(j, {"name", "layer", "phase", "M", "N", "K", "A", "B", "C", "acc"}, "");
  GemmOp op;
  op.name = string_field(j, "name", "");
  op.layer = string_field(j, "layer", "");
  try {
    op.phase = parse_phase(string_field(j, "phase", ""));
  } catch (const std::invalid_argument& e) {
    throw FieldError(std::string("'phase': ") + e.what());
  }
  op.m = dim_field(j, "M");
  op.n = dim_field(j, "N");
  op.k = dim_field(j, "K");
  if (op.m > kMaxMacs / op.n / op.k)
    throw FieldError("M x N x K must be at most 2^62, got " + std::to_string(op.m) + " x " + std::to_string(op.n) +
                     " x " + std::to_string(op.k));
  op.a = tensor_field(j, "A");
  op.b = tensor_field(j, "B");
  op.c = tensor_field(j, "C");
  if (j.contains("acc")) op.accumulator = format_field(j, "acc", "");
  return op;
}

json tensor_to_json(const TensorRef& t) {
  return json{{"tensor", t.name}, {"role", role_name(t.role)}, {"format", format_name(t.format)}};
}

}  // namespace

const char* phase_name(Phase p) { return kPhaseNames[static_cast<int>(p)]; }
const char* role_name(TensorRole r) { return kRoleNames[static_cast<int>(r)]; }
Phase parse_phase(std::string_view name) { return parse_enum<Phase>(name, kPhaseNames, "phase"); }
TensorRole parse_role(std::string_view name) { return parse_enum<TensorRole>(name, kRoleNames, "tensor role"); }

std::int64_t Workload::macs() const {
  return std::accumulate(ops.begin(), ops.end(), std::int64_t{0},
                         [](std::int64_t s, const GemmOp& op) { return s + op.macs(); });
}

Workload read_workload(std::istream& in, const std::string& source) {
  Workload w;
  std::set<std::string> names;
  std::int64_t macs = 0;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    try {
      GemmOp op = op_from_json(parse_line(line));
      if (!names.insert(op.name).second) throw FieldError("duplicate op name '" + op.name + "'");
      if (op.macs() > kMaxMacs - macs) throw FieldError("the ops' MACs add up to more than 2^62");
      macs += op.macs();
      w.ops.push_back(std::move(op));
    } catch (const json::exception& e) {
      // nlohmann's message starts "[json.exception.parse_error.101] parse error at line 1, ...".
      // Not only parse_error: a number beyond a double ("1e999") throws out_of_range.406.
      std::string what = e.what();
      const auto pos = what.find("] ");
      throw WorkloadError(where + "not valid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
    } catch (const FieldError& e) {
      throw WorkloadError(where + e.what());
    }
  }
  if (in.bad()) throw WorkloadError(source + ": read error");
  if (w.ops.empty()) throw WorkloadError(source + ": no GEMM ops (the file is empty)");
  return w;
}

Workload read_workload_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw WorkloadError(path + ": cannot open for reading");
  return read_workload(in, path);
}

void write_workload(std::ostream& out, const Workload& w) {
  for (const GemmOp& op : w.ops) {
    // Keys in the documented order (ordered_json keeps insertion order) for readable diffs.
    nlohmann::ordered_json j;
    j["name"] = op.name;
    j["layer"] = op.layer;
    j["phase"] = phase_name(op.phase);
    j["M"] = op.m;
    j["N"] = op.n;
    j["K"] = op.k;
    j["A"] = tensor_to_json(op.a);
    j["B"] = tensor_to_json(op.b);
    j["C"] = tensor_to_json(op.c);
    j["acc"] = format_name(op.accumulator);
    out << j.dump() << '\n';
  }
}

void write_workload_file(const std::string& path, const Workload& w) {
  std::ostringstream out;
  write_workload(out, w);
  write_file_atomically(path, out.str());
}

}  // namespace mpsim
