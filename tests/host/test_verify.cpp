// `mpsim verify` through the real binary (issue 8): real GEMM tiles of one training step agree
// bit for bit on every path that exists, under fp32 and under an e4m3 assignment, the RTL's
// cycles equal the SystemC model engine's, a path with one flipped output bit fails the run
// with the operands in hex, and a policy whose formats the RTL lacks says so per row.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_mpsim.hpp"

using mpsim::test::run_command;
using mpsim::test::run_mpsim;

namespace {

const std::string kConfig = std::string(MPSIM_SOURCE_DIR) + "/configs/train/tiny_synthetic.yaml";

#if MPSIM_TEST_HAVE_VERILATOR
constexpr bool kVerilator = true;
#else
constexpr bool kVerilator = false;
#endif

// The table row that starts with `label`, split on blanks after the label.
std::vector<std::string> row(const std::string& out, const std::string& label) {
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(label, 0) != 0) continue;
    std::istringstream fields(line.substr(label.size()));
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    return f;
  }
  FAIL("no row '" << label << "' in:\n" << out);
  return {};
}

// A path that ran: tiles > 0, outputs = tiles x up to 16, no mismatch, and (RTL paths) every
// tile's cycles equal to the model engine's.
void check_path_agrees(const std::string& out, const std::string& label, bool cycles) {
  INFO(out);
  const std::vector<std::string> f = row(out, label);
  REQUIRE(f.size() >= 4);
  const long tiles = std::stol(f[0]), outputs = std::stol(f[1]);
  CHECK(tiles > 0);
  CHECK(outputs >= tiles);
  CHECK(outputs <= 16 * tiles);
  CHECK(f[2] == "0");
  if (cycles) {
    CHECK(f[3] == std::to_string(tiles) + "/" + std::to_string(tiles));
  } else {
    CHECK(f[3] == "-");
  }
}

void check_all_paths(const std::string& out) {
  check_path_agrees(out, "cpu gemm_exact (kernels/)", false);
  const std::vector<std::string> golden = row(out, "golden dot() (model/)");
  REQUIRE(golden.size() >= 3);
  CHECK(golden[2] == "reference");
  const std::vector<std::string> cuda = row(out, "cuda gemm_exact (kernels/)");
  REQUIRE(!cuda.empty());
  if (cuda[0] == "-") {
    CHECK(out.find("skipped: ") != std::string::npos);
  } else {
    check_path_agrees(out, "cuda gemm_exact (kernels/)", false);
  }
  if (kVerilator) {
    check_path_agrees(out, "rtl Verilated C++ 4x4", true);
    check_path_agrees(out, "systemc rtl engine (sim/)", true);
  } else {
    CHECK(out.find("n/a: built without Verilator") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("mpsim verify: fp32 training tiles agree on every path", "[host][verify]") {
  const auto r = run_mpsim("verify --config " + kConfig + " --tiles 1");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("fp32 x fp32 -> fp32") != std::string::npos);
  check_all_paths(r.out);
}

TEST_CASE("mpsim verify: uniform e4m3 tiles (fwd, bwd_data, bwd_weight) agree on every path", "[host][verify][e4m3]") {
  const auto r = run_mpsim("verify --config " + kConfig + " --set policy.format=e4m3 --tiles 2 --k 24");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("e4m3 x e4m3 -> fp32") != std::string::npos);
  // LeNet-5: 5 forward GEMMs, 4 backward-data (none into the input), 5 backward-weight; 2 tiles each.
  CHECK(r.out.find("phases (tiles): fwd 10, bwd_data 8, bwd_weight 10") != std::string::npos);
  check_all_paths(r.out);
}

TEST_CASE("mpsim verify: one flipped output bit fails the run and prints the operands in hex", "[host][verify]") {
  // The RTL path where it is built (so the Verilated path is shown to be compared), else the CPU's.
  const std::string path = kVerilator ? "rtl" : "cpu";
  const auto r = run_command("MPSIM_VERIFY_CORRUPT=" + path,
                             "verify --config " + kConfig + " --set policy.format=e4m3 --tiles 1");
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  const std::string label = kVerilator ? "rtl Verilated C++ 4x4" : "cpu gemm_exact (kernels/)";
  const std::vector<std::string> f = row(r.out, label);
  REQUIRE(f.size() >= 3);
  CHECK(f[2] == "1");
  CHECK(r.err.find("first mismatch: " + label + " tile 0") != std::string::npos);
  CHECK(r.err.find("A e4m3 x B e4m3 -> acc fp32") != std::string::npos);
  CHECK(r.err.find("  A row 0: 0x") != std::string::npos);
  CHECK(r.err.find("  B col 0: 0x") != std::string::npos);
  CHECK(r.err.find("mpsim verify: FAILED") != std::string::npos);
}

TEST_CASE("mpsim verify: Lee et al.'s 1-4-3 operands run on the golden and CPU paths, the RTL says n/a",
          "[host][verify]") {
  const auto r = run_mpsim("verify --config " + kConfig + " --policy lee --tiles 1 --paths cpu rtl systemc");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("hfp8_lo") != std::string::npos);
  check_path_agrees(r.out, "cpu gemm_exact (kernels/)", false);
  CHECK(r.out.find("cuda gemm_exact") == std::string::npos);  // not asked for
  if (kVerilator) CHECK(r.out.find("not in the RTL build") != std::string::npos);
}

TEST_CASE("mpsim verify: bad flags are one line and exit status 2", "[host][verify]") {
  const auto bad_path = run_mpsim("verify --config " + kConfig + " --paths gpu");
  CHECK(bad_path.status == 2);
  CHECK(bad_path.err == "mpsim verify: --paths: unknown path 'gpu'; allowed: cpu, cuda, rtl, systemc\n");
  const auto bad_tiles = run_mpsim("verify --config " + kConfig + " --tiles 0");
  CHECK(bad_tiles.status == 2);
  CHECK(bad_tiles.err == "mpsim verify: --tiles: tiles per GEMM, from 1 to 1000\n");
  const auto bad_key = run_mpsim("verify --config " + kConfig + " --set policy.formatt=e4m3");
  CHECK(bad_key.status == 2);
  CHECK(bad_key.err.find("formatt") != std::string::npos);
}
