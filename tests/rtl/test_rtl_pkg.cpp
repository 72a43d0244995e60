// rtl/mpsim_pkg.sv mirrors model/float_format.hpp (STYLE.md 1): the same format names in the
// same order (the RTL's format code is the kPresets index), the same fields per format, the same
// Specials order and the same flag bits. Read from the package source, so no model is needed.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "model/float_format.hpp"
#include "model/rounding.hpp"

using namespace mpsim;

namespace {

std::string package_text() {
  std::ifstream in(MPSIM_RTL_PKG_FILE);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every `localparam int NAME = value;` with a decimal value.
std::map<std::string, int> int_localparams(const std::string& text) {
  std::map<std::string, int> values;
  const std::regex re(R"(localparam int (\w+) = (\d+);)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    values[(*it)[1]] = std::stoi((*it)[2]);
  return values;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("RTL package: format codes, rows, specials and flags mirror model/", "[rtl][pkg]") {
  const std::string text = package_text();
  const std::map<std::string, int> params = int_localparams(text);

  // Format codes: FMT_<NAME> = index of <name> in kPresets, for the first NUM_FMTS presets.
  REQUIRE(params.count("NUM_FMTS"));
  const int num_fmts = params.at("NUM_FMTS");
  REQUIRE(num_fmts <= static_cast<int>(std::size(kPresets)));
  for (int code = 0; code < num_fmts; ++code) {
    const std::string name = "FMT_" + upper(kPresets[code].name);
    INFO(name);
    REQUIRE(params.count(name));
    CHECK(params.at(name) == code);
  }

  // Rows: FMT_<NAME>: row = {8'd<exp_bits>, 8'd<man_bits>, 8'd<bias>, 8'(SPECIALS_<S>)};
  const std::regex row_re(R"(FMT_(\w+): row = \{8'd(\d+), 8'd(\d+), 8'd(\d+), 8'\(SPECIALS_(\w+)\)\};)");
  const char* specials_names[] = {"IEEE", "FN", "FNUZ", "NONE"};  // model/ enum class Specials order
  int rows = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), row_re); it != std::sregex_iterator(); ++it, ++rows) {
    const std::string name = (*it)[1];
    INFO("row FMT_" << name);
    REQUIRE(params.count("FMT_" + name));
    const FloatFormat& f = kPresets[params.at("FMT_" + name)].format;
    CHECK(std::stoi((*it)[2]) == f.exp_bits);
    CHECK(std::stoi((*it)[3]) == f.man_bits);
    CHECK(std::stoi((*it)[4]) == f.bias);
    CHECK((*it)[5] == specials_names[static_cast<int>(f.specials)]);
    CHECK(f.subnormals);  // the RTL always has subnormals
  }
  CHECK(rows == num_fmts);

  for (int s = 0; s < 4; ++s) {
    INFO(specials_names[s]);
    REQUIRE(params.count(std::string("SPECIALS_") + specials_names[s]));
    CHECK(params.at(std::string("SPECIALS_") + specials_names[s]) == s);
  }

  // Flag bit positions: Flags::k* == 1 << FLAG_*.
  CHECK(Flags::kInvalid == 1 << params.at("FLAG_INVALID"));
  CHECK(Flags::kOverflow == 1 << params.at("FLAG_OVERFLOW"));
  CHECK(Flags::kUnderflow == 1 << params.at("FLAG_UNDERFLOW"));
  CHECK(Flags::kInexact == 1 << params.at("FLAG_INEXACT"));
  CHECK(params.at("NUM_FLAGS") == 4);
}
