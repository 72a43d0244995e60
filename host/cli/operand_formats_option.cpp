#include "host/cli/operand_formats_option.hpp"

#include <string_view>

#include "host/cli/commands.hpp"
#include "host/cli/options.hpp"
#include "model/format_names.hpp"

namespace mpsim::cli {
namespace {

std::string allowed_keys() {
  std::string keys = "A, B, C, acc";
  for (TensorRole r : kTensorRoles) keys += std::string(", ") + role_name(r);
  return keys;
}

std::optional<FloatFormat>* slot(OperandFormatOverrides& o, std::string_view key) {
  if (key == "A") return &o.a;
  if (key == "B") return &o.b;
  if (key == "C") return &o.c;
  if (key == "acc") return &o.accumulator;
  for (TensorRole r : kTensorRoles) {
    if (key == role_name(r)) return &o.by_role[static_cast<std::size_t>(r)];
  }
  return nullptr;
}

void apply_role(const OperandFormatOverrides& o, TensorRef& t) {
  if (const auto& f = o.by_role[static_cast<std::size_t>(t.role)]) t.format = *f;
}

}  // namespace

bool OperandFormatOverrides::empty() const {
  bool roles = false;
  for (const auto& f : by_role) roles = roles || f.has_value();
  return !a && !b && !c && !accumulator && !roles;
}

OperandFormatOverrides parse_operand_formats(const std::string& spec) {
  OperandFormatOverrides o;
  std::string_view rest = spec;
  if (rest.empty()) {
    throw UsageError("--formats: empty (expected e.g. A=e4m3,B=e4m3,C=fp32; keys " + allowed_keys() + ")");
  }
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string item(rest.substr(0, comma));
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      throw UsageError("--formats: '" + item + "' is not KEY=FORMAT (keys " + allowed_keys() + "; e.g. A=e4m3)");
    }
    const std::string key = item.substr(0, eq);
    std::optional<FloatFormat>* target = slot(o, key);
    if (!target) throw UsageError("--formats: unknown key '" + key + "' (allowed: " + allowed_keys() + ")");
    if (target->has_value()) throw UsageError("--formats: '" + key + "' given twice");
    *target = format_option("--formats " + key, item.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return o;
}

sim::OperandFormats resolve_operand_formats(const OperandFormatOverrides& o, sim::OperandFormats f) {
  if (o.a) f.a = *o.a;
  if (o.b) f.b = *o.b;
  if (o.c) f.c = *o.c;
  if (o.accumulator) f.accumulator = *o.accumulator;
  return f;
}

void apply_operand_formats(const OperandFormatOverrides& o, Workload& w) {
  for (GemmOp& op : w.ops) {
    if (o.a) op.a.format = *o.a;
    if (o.b) op.b.format = *o.b;
    if (o.c) op.c.format = *o.c;
    if (o.accumulator) op.accumulator = *o.accumulator;
    for (TensorRef* t : {&op.a, &op.b, &op.c}) apply_role(o, *t);
  }
}

std::string operand_formats_text(const sim::OperandFormats& f, const OperandFormatOverrides& o) {
  std::string text = "A=" + format_name(f.a) + ",B=" + format_name(f.b) + ",C=" + format_name(f.c) +
                     ",acc=" + format_name(f.accumulator);
  for (TensorRole r : kTensorRoles) {
    if (const auto& g = o.by_role[static_cast<std::size_t>(r)]) text += std::string(",") + role_name(r) + "=" + format_name(*g);
  }
  return text;
}

}  // namespace mpsim::cli
