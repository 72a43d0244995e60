// Typed CLI options shared by several subcommands: names become enums and formats here, once.
#pragma once

#include <map>
#include <string>

#include "model/float_format.hpp"
#include "model/rounding.hpp"

namespace mpsim::cli {

[[noreturn]] void throw_usage_error(const std::string& message);

inline const std::map<std::string, Rounding> kRoundingNames = {
    {"nearest", Rounding::nearest_even},
    {"away", Rounding::nearest_away},
    {"zero", Rounding::toward_zero},
    {"stochastic", Rounding::stochastic}};

inline const std::map<std::string, Overflow> kOverflowNames = {
    {"saturate", Overflow::saturate},
    {"inf", Overflow::infinity}};

// parse_format() with the option's name in the message; throws UsageError.
FloatFormat format_option(const std::string& option, const std::string& name);

// The enum value named `name` in `names`; throws UsageError listing the allowed names.
template <typename Enum>
Enum enum_option(const std::string& option, const std::string& name, const std::map<std::string, Enum>& names) {
  if (const auto it = names.find(name); it != names.end()) return it->second;
  std::string allowed;
  for (const auto& entry : names) allowed += (allowed.empty() ? "" : ", ") + entry.first;
  throw_usage_error(option + ": '" + name + "' is not one of " + allowed);
}

}  // namespace mpsim::cli
