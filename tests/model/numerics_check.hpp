// Reporting helpers shared by the numerics tests (oracle comparisons against MPFR, the CUDA
// headers and fma): values as C99 hex floats, codes and flags as text, NaN-aware equality, and a
// mismatch collector that prints the first few in full and counts the rest.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "model/bits.hpp"
#include "model/rounding.hpp"

namespace mpsim::testing {

inline std::string hex(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", x);
  return buf;
}

inline std::string code_text(std::uint32_t code) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", code);
  return buf;
}

inline std::string flags_text(Flags f) {
  std::string s = "{";
  if (f.invalid()) s += " invalid";
  if (f.overflow()) s += " overflow";
  if (f.underflow()) s += " underflow";
  if (f.inexact()) s += " inexact";
  return s + " }";
}

inline const char* overflow_name(Overflow o) { return o == Overflow::saturate ? "saturate" : "infinity"; }

// Bitwise equality, except that any two NaNs are equal (the sign of zero is compared).
inline bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || bits_of(a) == bits_of(b); }

// The first few mismatches in full, and how many there were.
struct Mismatches {
  long count = 0;
  long checks = 0;
  std::vector<std::string> first;

  void add(std::string text) {
    if (count++ < 20) first.push_back(std::move(text));
  }
  void report() {
    INFO(checks << " comparisons");
    for (const std::string& text : first) FAIL_CHECK(text);
    CHECK(count == 0);
  }
};

}  // namespace mpsim::testing
