// libFuzzer target: the number syntax of `mpsim quantize` (host/cli/number_parser.hpp), one
// line as the command reads it, then each accepted value through encode() as the command does.
#include <cstdint>
#include <optional>
#include <string_view>

#include "host/cli/number_parser.hpp"
#include "model/float_format.hpp"
#include "model/quantize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::optional<double> x = mpsim::cli::parse_number(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!x) return 0;
  for (const mpsim::FloatFormat& f : {mpsim::formats::e4m3, mpsim::formats::e5m2, mpsim::formats::fp16,
                                      mpsim::formats::bf16, mpsim::formats::fp32}) {
    for (const mpsim::Rounding r : {mpsim::Rounding::nearest_even, mpsim::Rounding::stochastic}) {
      const mpsim::Encoded e = mpsim::encode(*x, f, {r, mpsim::Overflow::saturate}, 0x9e3779b9u);
      (void)mpsim::value_of(e, f);
    }
  }
  return 0;
}
