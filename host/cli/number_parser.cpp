#include "host/cli/number_parser.hpp"

#include <cstdlib>
#include <string>

namespace mpsim::cli {

std::optional<double> parse_number(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  const std::string copy(text);  // strtod needs a terminated string
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  // Out-of-range decimals are fine: 1e400 rounds to Inf and 1e-400 to 0, as IEEE 754 says.
  return value;
}

}  // namespace mpsim::cli
