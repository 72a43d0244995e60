// `mpsim policies [NAME]`: every precision policy with its summary and parameters (type,
// default, help), from the same table the YAML parser checks keys against
// (host/config/policy_config.hpp), so what is listed is exactly what a config may say.
#include <string>

#include <fmt/core.h>

#include "host/cli/commands.hpp"
#include "host/config/policy_config.hpp"
#include "model/format_names.hpp"

namespace mpsim::cli {
namespace {

void print_policy(const host::PolicyDescription& d) {
  fmt::print("{}: {}\n", d.name, d.summary);
  std::size_t key_w = 3, type_w = 4, def_w = 7;
  for (const host::ParamDescription& p : d.params) {
    key_w = std::max(key_w, std::string(p.key).size());
    type_w = std::max(type_w, std::string(p.type).size());
    def_w = std::max(def_w, std::string(p.default_value).size());
  }
  fmt::print("  {:<{}}  {:<{}}  {:<{}}  {}\n", "key", key_w, "type", type_w, "default", def_w, "meaning");
  for (const host::ParamDescription& p : d.params)
    fmt::print("  {:<{}}  {:<{}}  {:<{}}  {}\n", p.key, key_w, p.type, type_w, p.default_value, def_w, p.help);
}

void run(const std::string& only) {
  std::vector<std::string> names;
  for (const host::PolicyDescription& d : host::policy_descriptions()) names.emplace_back(d.name);
  if (!only.empty()) {
    for (const host::PolicyDescription& d : host::policy_descriptions())
      if (only == d.name) return print_policy(d);
    throw UsageError(fmt::format("unknown policy '{}' (did you mean '{}'?)", only, host::nearest_name(only, names)));
  }
  fmt::print("Precision policies for `policy:` in a training config (name: NAME plus the keys below;\n"
             "`policy: NAME` alone takes every default).\n\n");
  bool first = true;
  for (const host::PolicyDescription& d : host::policy_descriptions()) {
    if (!first) fmt::print("\n");
    first = false;
    print_policy(d);
  }
  fmt::print("\nA format is {} (see mpsim formats).\n", allowed_format_names());
}

}  // namespace

void add_policies_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("policies", "List the precision policies, their parameters and defaults");
  static std::string only;
  cmd->add_option("name", only, "Show one policy only");
  cmd->callback([] { run(only); });
}

}  // namespace mpsim::cli
