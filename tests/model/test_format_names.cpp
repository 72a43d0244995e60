// Format names: presets, aliases, eXmY with suffixes, the canonical name back, and bad names.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "model/format_names.hpp"

using namespace mpsim;

TEST_CASE("every preset parses to itself and prints its own name", "[model][formats]") {
  for (const NamedFormat& p : kPresets) {
    INFO(p.name);
    CHECK(parse_format(p.name) == p.format);
    CHECK(format_name(p.format) == p.name);
  }
  CHECK(parse_format("e4m3fn") == formats::e4m3);
}

TEST_CASE("eXmY names build IEEE-style formats with optional bias, specials and ftz", "[model][formats]") {
  const FloatFormat e3m2 = parse_format("e3m2");
  CHECK(e3m2.exp_bits == 3);
  CHECK(e3m2.man_bits == 2);
  CHECK(e3m2.bias == 3);  // 2^(3-1) - 1
  CHECK(e3m2.specials == Specials::ieee);
  CHECK(parse_format("e4m3_b11_none") == formats::hfp8_lo);
  CHECK(parse_format("e4m3_fn") == formats::e4m3);
  CHECK(parse_format("e5m2_b16_fnuz") == formats::e5m2fnuz);
  CHECK(parse_format("e8m23") == formats::fp32);
  CHECK(parse_format("e2m1_none").max_finite() == 6.0);  // OCP MX FP4 E2M1: no specials, max 6
  CHECK(parse_format("e2m1_fn").max_finite() == 4.0);    // fn takes S.11.1 for NaN
  CHECK(parse_format("e5m10_b-3").bias == -3);
  CHECK_FALSE(parse_format("e4m3_fn_ftz").subnormals);
}

TEST_CASE("format_name gives a name that parses back to the same format", "[model][formats]") {
  for (const char* name : {"e3m2", "e4m3_b11", "e5m2_fn", "e6m9_b20_fnuz", "e4m3_ftz", "e2m1_none", "e8m7_b120",
                           "e4m3_ieee"}) {
    INFO(name);
    const FloatFormat f = parse_format(name);
    CHECK(parse_format(format_name(f)) == f);
    CHECK(format_name(f) == name);
  }
  // Every eXmY with every specials convention, with and without subnormals (bias the default
  // and one other). An IEEE-style e4m3 once printed as "e4m3", which reads back as OCP's e4m3
  // (found by fuzz_workload's write-and-read-again check).
  int checked = 0;
  for (int e = 1; e <= 8; ++e)
    for (int m = 1; m <= 23; ++m)
      for (Specials sp : {Specials::ieee, Specials::fn, Specials::fnuz, Specials::none})
        for (bool subnormals : {true, false})
          for (int bias_shift : {0, 1}) {
            if (1 + e + m < 4 || (sp == Specials::ieee && e < 2)) continue;
            FloatFormat f{e, m, (1 << (e - 1)) - 1 + bias_shift, sp, subnormals};
            INFO(format_name(f));
            CHECK(parse_format(format_name(f)) == f);
            ++checked;
          }
  CHECK(checked > 1000);
}

TEST_CASE("bad format names are rejected with the reason and the allowed names", "[model][formats]") {
  const char* bad[] = {"", "fp8", "e9m2", "e4m0", "e0m3", "e4m24", "e1m2", "e4m3_b", "e4m3_bx", "e4m3_fnx",
                       "e4m3_b2000", "E4M3", "e4m3 ", "e4m3_none_ftz_x", "e4m03", "e04m3", "e5m2_b016", "e5m2_b-07"};
  for (const char* name : bad) {
    INFO("name '" << name << "'");
    try {
      parse_format(name);
      FAIL_CHECK("accepted");
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      CHECK(what.find("unknown format '" + std::string(name) + "'") == 0);
      CHECK(what.find("allowed: fp32") != std::string::npos);
    }
  }
}
