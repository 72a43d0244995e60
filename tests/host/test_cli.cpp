// The CLI contract of `mpsim formats` and `mpsim quantize`, driven through the real binary as
// users and scripts drive it: stdin in, stdout/stderr and exit status out.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_mpsim.hpp"
#include "model/format_names.hpp"
#include "model/quantize.hpp"

namespace fs = std::filesystem;

namespace {

using mpsim::test::Run;
using mpsim::test::run_mpsim;
using mpsim::test::slurp;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("mpsim formats lists every preset with its derived values", "[host][cli]") {
  const Run r = run_mpsim("formats --csv");
  REQUIRE(r.status == 0);
  const auto rows = lines(r.out);
  REQUIRE(rows.size() == std::size(mpsim::kPresets) + 1);
  CHECK(rows[0] == "name,bits,exp,man,bias,specials,max_finite,min_normal,min_subnormal,epsilon");
  CHECK(rows[4] == "e4m3,8,4,3,7,fn,448,0.015625,0.001953125,0.125");
  CHECK(rows[5] == "e5m2,8,5,2,15,ieee,57344,6.10351562e-05,1.52587891e-05,0.25");
  CHECK(rows[9] == "hfp8_lo,8,4,3,11,none,30,0.0009765625,0.000122070312,0.125");
  CHECK(rows[10] == "hfp8_grad,8,5,2,15,none,114688,6.10351562e-05,1.52587891e-05,0.25");
  const Run table = run_mpsim("formats");
  CHECK(table.status == 0);
  CHECK(lines(table.out).size() == rows.size());
}

TEST_CASE("mpsim quantize prints code and value per line", "[host][cli]") {
  // 0.3 -> 1.01b * 2^-2 = 0.3125 (0x2a); 1000 saturates to 448 (0x7e); 464 is the tie between
  // 448 and 480 and goes to even 448; Inf is NaN in e4m3 (no Inf code); hex float input.
  const Run r = run_mpsim("quantize --format e4m3", "0.3\n1000\n-1000\n464\ninf\nnan\n0x1.8p-3\n-0\n1e-30\n");
  REQUIRE(r.status == 0);
  CHECK(lines(r.out) == std::vector<std::string>{"0x2a 0.3125", "0x7e 448", "0xfe -448", "0x7e 448", "0x7f nan",
                                                 "0x7f nan", "0x24 0.1875", "0x80 -0", "0x00 0"});
  CHECK(r.err.empty());
}

TEST_CASE("mpsim quantize overflow modes, rounding modes and widths", "[host][cli]") {
  CHECK(run_mpsim("quantize --format e4m3 --overflow inf", "465\n").out == "0x7f nan\n");
  CHECK(run_mpsim("quantize --format e5m2 --overflow inf", "1e6\n-1e6\n").out == "0x7c inf\n0xfc -inf\n");
  CHECK(run_mpsim("quantize --format e5m2", "1e6\n").out == "0x7b 57344\n");
  // `none` formats have no Inf code: the value is Inf, the bits column says so.
  CHECK(run_mpsim("quantize --format hfp8_grad --overflow inf", "1e9\n-1e9\n").out == "inf inf\n-inf -inf\n");
  // Ties: 1.0625 lies halfway between 1 and 1.125 in e4m3.
  CHECK(run_mpsim("quantize --format e4m3 --rounding nearest", "1.0625\n").out == "0x38 1\n");
  CHECK(run_mpsim("quantize --format e4m3 --rounding away", "1.0625\n").out == "0x39 1.125\n");
  CHECK(run_mpsim("quantize --format e4m3 --rounding zero --overflow inf", "1e9\n").out == "0x7e 448\n");
  // Width follows the format: fp32 8 hex digits, fp16 4, 1-6-9 (16 bits) 4, e3m2 (6 bits) 2.
  CHECK(run_mpsim("quantize --format fp32", "1\n").out == "0x3f800000 1\n");
  CHECK(run_mpsim("quantize --format fp16", "65504\n").out == "0x7bff 65504\n");
  CHECK(run_mpsim("quantize --format e4m3_b11_none", "30\n").out == "0x7f 30\n");
  CHECK(run_mpsim("quantize --format e3m2", "1\n").out == "0x0c 1\n");
}

TEST_CASE("mpsim quantize rounds once, from the decimal's nearest double", "[host][cli]") {
  // 1 + 2^-11 + 2^-40 is just above the fp16 tie at 1 + 2^-11; a detour through fp32 would
  // drop the 2^-40 and round the tie down to 1. Read once as a double, it rounds up.
  const Run r = run_mpsim("quantize --format fp16", "1.00048828125090949470177292823791504\n");
  CHECK(r.out == "0x3c01 1.00097656\n");
}

TEST_CASE("mpsim quantize stochastic rounding is reproducible per seed", "[host][cli]") {
  std::string input;
  for (int i = 0; i < 200; ++i) input += "1.0625\n";  // a tie: about half go each way
  const Run a = run_mpsim("quantize --format e4m3 --rounding stochastic --seed 5", input);
  const Run b = run_mpsim("quantize --format e4m3 --rounding stochastic --seed 5", input);
  const Run c = run_mpsim("quantize --format e4m3 --rounding stochastic --seed 6", input);
  REQUIRE(a.status == 0);
  CHECK(a.out == b.out);
  CHECK(a.out != c.out);
  int ups = 0;
  for (const auto& line : lines(a.out)) {
    CHECK((line == "0x38 1" || line == "0x39 1.125"));
    ups += line == "0x39 1.125";
  }
  CHECK(ups > 60);
  CHECK(ups < 140);
}

TEST_CASE("mpsim rejects bad input with one line and a non-zero exit", "[host][cli]") {
  struct Bad {
    const char* args;
    const char* input;
    const char* message;
  };
  const Bad cases[] = {
      {"quantize --format e4m3", "1\nabc\n", "mpsim quantize: stdin line 2: 'abc' is not a number"},
      {"quantize --format e4m3", "1\n\n", "mpsim quantize: stdin line 2: '' is not a number"},
      {"quantize --format e4m3", "0x\n", "mpsim quantize: stdin line 1: '0x' is not a number"},
      {"quantize --format e4m3", "1 2\n", "mpsim quantize: stdin line 1: '1 2' is not a number"},
      {"quantize --format e9m2", "", "mpsim quantize: --format: unknown format 'e9m2'"},
      {"quantize --format fp8", "", "mpsim quantize: --format: unknown format 'fp8'"},
      {"quantize --format e4m3 --rounding up", "", "mpsim quantize: --rounding: 'up' is not one of away, nearest"},
      {"quantize --format e4m3 --overflow wrap", "", "mpsim quantize: --overflow: 'wrap' is not one of inf, saturate"},
      {"quantize --format e4m3 --seed x", "", "mpsim: Could not convert: --seed = x"},
      {"quantize --format e4m3 --seed -1", "", "mpsim: --seed: must be a non-negative integer"},
      {"quantize", "", "mpsim: --format is required"},
      {"frobnicate", "", "mpsim: unknown command 'frobnicate'"},
      {"", "", "mpsim: a command is required"},
  };
  for (const Bad& b : cases) {
    const Run r = run_mpsim(b.args, b.input);
    INFO("mpsim " << b.args << " <<< '" << b.input << "' gave: " << r.err);
    CHECK(r.status != 0);
    CHECK(r.err.find(b.message) == 0);
    CHECK(lines(r.err).size() == 1);
  }
}
