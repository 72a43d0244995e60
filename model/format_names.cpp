#include "model/format_names.hpp"

#include <charconv>
#include <stdexcept>

namespace mpsim {
namespace {

// Reads a decimal integer (optionally negative) at the front of `text`; advances past it.
bool take_int(std::string_view& text, int& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr == text.data()) return false;
  // One spelling per number: "e4m03" would name an IEEE-style e4m3 that format_name prints as
  // "e4m3_ieee", and reads like the OCP preset e4m3 to a person.
  const std::string_view digits = text.substr(text.starts_with('-') ? 1 : 0);
  if (digits.size() > 1 && digits[0] == '0' && digits[1] >= '0' && digits[1] <= '9') return false;
  text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
  return true;
}

bool take_prefix(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

[[noreturn]] void fail(std::string_view name, const std::string& why) {
  throw std::invalid_argument("unknown format '" + std::string(name) + "': " + why + "; allowed: " +
                              allowed_format_names());
}

}  // namespace

const char* specials_name(Specials s) {
  switch (s) {
    case Specials::ieee: return "ieee";
    case Specials::fn: return "fn";
    case Specials::fnuz: return "fnuz";
    case Specials::none: return "none";
  }
  return "?";
}

std::string allowed_format_names() {
  std::string names;
  for (const NamedFormat& p : kPresets) names += std::string(p.name) + ", ";
  return names + "e4m3fn, or eXmY[_bN][_ieee|_fn|_fnuz|_none][_ftz] with X in 1..8, Y in 1..23";
}

FloatFormat parse_format(std::string_view name) {
  for (const NamedFormat& p : kPresets)
    if (name == p.name) return p.format;
  if (name == "e4m3fn") return formats::e4m3;

  std::string_view rest = name;
  int exp_bits = 0, man_bits = 0;
  if (!take_prefix(rest, "e") || !take_int(rest, exp_bits) || !take_prefix(rest, "m") || !take_int(rest, man_bits))
    fail(name, "not a preset and not of the form eXmY");
  if (exp_bits < kMinExpBits || exp_bits > kMaxExpBits || man_bits < kMinManBits || man_bits > kMaxManBits ||
      1 + exp_bits + man_bits < 4)
    fail(name, "exponent bits must be 1..8, mantissa bits 1..23, and 4 bits at least in all");

  FloatFormat f = ieee_format(exp_bits, man_bits);
  if (take_prefix(rest, "_b") && !take_int(rest, f.bias)) fail(name, "_b must be followed by an integer bias");
  if (take_prefix(rest, "_ieee")) f.specials = Specials::ieee;
  else if (take_prefix(rest, "_fnuz")) f.specials = Specials::fnuz;
  else if (take_prefix(rest, "_fn")) f.specials = Specials::fn;
  else if (take_prefix(rest, "_none")) f.specials = Specials::none;
  if (take_prefix(rest, "_ftz")) f.subnormals = false;
  if (!rest.empty()) fail(name, "unexpected '" + std::string(rest) + "'");
  if (f.specials == Specials::ieee && exp_bits < 2) fail(name, "IEEE specials need 2 exponent bits at least");
  if (!is_supported(f))
    fail(name, "bias " + std::to_string(f.bias) + " puts the format's range outside 2^-" +
                        std::to_string(kMaxAbsExponent) + "..2^" + std::to_string(kMaxAbsExponent));
  return f;
}

std::string format_name(const FloatFormat& f) {
  for (const NamedFormat& p : kPresets)
    if (f == p.format) return p.name;
  std::string name = "e" + std::to_string(f.exp_bits) + "m" + std::to_string(f.man_bits);
  if (f.bias != ieee_format(f.exp_bits, f.man_bits).bias) name += "_b" + std::to_string(f.bias);
  if (f.specials != Specials::ieee) name += std::string("_") + specials_name(f.specials);
  if (!f.subnormals) name += "_ftz";
  // IEEE specials are the eXmY default, so they take no suffix, unless the plain name is a
  // preset's: "e4m3" is OCP's E4M3FN, and an IEEE-style e4m3 must print as "e4m3_ieee" to read back.
  for (const NamedFormat& p : kPresets)
    if (name == p.name) return name + "_ieee";
  return name;
}

}  // namespace mpsim
