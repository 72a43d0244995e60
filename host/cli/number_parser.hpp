// The number syntax of `mpsim quantize`: C99 decimal or hexadecimal floats (0x1.8p-3), inf,
// -inf, infinity, nan, with an optional sign, surrounded by optional blanks. Each is read as
// the nearest binary64 value (strtod in the C locale is correctly rounded in glibc), so a
// later rounding to a narrow format is the only one.
#pragma once

#include <optional>
#include <string_view>

namespace mpsim::cli {

// nullopt when `text` is empty or is not exactly one number.
std::optional<double> parse_number(std::string_view text);

}  // namespace mpsim::cli
