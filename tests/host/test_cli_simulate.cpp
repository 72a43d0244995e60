// The CLI contract of `mpsim simulate`, through the real binary: a small workload runs and its
// files have the documented columns; every bad flag or input gives one line on stderr, a
// non-zero exit, and leaves --out DIR as it was.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_mpsim.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSource = MPSIM_SOURCE_DIR;
const std::string kEdge = kSource + "/configs/hw/edge_16x16.yaml";
const std::string kScalesimCfg = kSource + "/configs/hw/scalesim_32x32.cfg";
const std::string kTinyConv = kSource + "/configs/topologies/tiny_conv.csv";

using mpsim::test::Run;
using mpsim::test::run_mpsim;
using mpsim::test::slurp;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A scratch directory per test, removed at the end.
struct Scratch {
  fs::path dir;
  Scratch() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("mpsim_sim_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

// CSV rows as maps from header name to text (plain CSV: no quoted fields in these tests).
std::vector<std::map<std::string, std::string>> csv_rows(const std::string& text) {
  const auto all = lines(text);
  const auto split = [](const std::string& line) {
    std::vector<std::string> f;
    std::istringstream in(line);
    for (std::string x; std::getline(in, x, ',');) f.push_back(x);
    return f;
  };
  std::vector<std::map<std::string, std::string>> rows;
  const auto header = split(all.at(0));
  for (std::size_t i = 1; i < all.size(); ++i) {
    const auto f = split(all[i]);
    REQUIRE(f.size() == header.size());
    std::map<std::string, std::string> row;
    for (std::size_t j = 0; j < f.size(); ++j) row[header[j]] = f[j];
    rows.push_back(row);
  }
  return rows;
}

std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string() + "=" + slurp(e.path()));
  return names;
}

}  // namespace

TEST_CASE("mpsim simulate runs a topology and writes ops.csv and summary.json", "[host][cli][sim]") {
  const Scratch s;
  const fs::path out = s.dir / "result";
  const Run r = run_mpsim("simulate --hw " + kEdge + " --workload " + kTinyConv + " --out " + out.string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  // The table: a header and one row per op, then the summary.
  const auto printed = lines(r.out);
  REQUIRE(printed.size() > 5);
  CHECK(printed[0].rfind("op ", 0) == 0);
  CHECK(printed[1].rfind("conv1.fwd ", 0) == 0);
  CHECK(printed[3].rfind("fc.fwd ", 0) == 0);
  CHECK(r.out.find("\ncycles ") != std::string::npos);
  CHECK(r.out.find("\nenergy ") != std::string::npos);

  const auto ops = csv_rows(slurp(out / "ops.csv"));
  REQUIRE(ops.size() == 3);
  CHECK(lines(slurp(out / "ops.csv"))[0].rfind("name,layer,phase,M,N,K,macs,row_folds,col_folds,", 0) == 0);
  // mpsim timing, valid conv output (floor((H - F) / S) + 1), fp32:
  //   conv1 16x16, 3x3, 3 -> 8, stride 1: 14 x 14 = 196 positions, K = 27
  //   conv2 14x14, 3x3, 8 -> 16, stride 2: floor(11 / 2) + 1 = 6, 36 positions, K = 72
  //   fc    1 x 16 -> 10
  CHECK(ops[0].at("M") == "196");
  CHECK(ops[0].at("K") == "27");
  CHECK(ops[1].at("M") == "36");
  CHECK(ops[1].at("K") == "72");
  CHECK(ops[2].at("N") == "10");
  std::int64_t cycles = 0;
  for (const auto& op : ops) cycles += std::stoll(op.at("total_cycles"));

  const auto summary = nlohmann::json::parse(slurp(out / "summary.json"));
  CHECK(summary["run"]["timing"] == "mpsim");
  CHECK(summary["run"]["conv_output"] == "valid");
  CHECK(summary["run"]["formats"] == "A=fp32,B=fp32,C=fp32,acc=fp32");
  CHECK(summary["step"]["ops"] == 3);
  CHECK(summary["step"]["macs"] == 196 * 27 * 8 + 36 * 72 * 16 + 16 * 10);
  CHECK(summary["step"]["total_cycles"] == cycles);  // ops run one after another
  // No temporary file is left beside the results.
  CHECK(listing(out).size() == 2);
}

TEST_CASE("mpsim simulate --training lowers every layer and --formats sets the bytes", "[host][cli][sim]") {
  const Scratch s;
  const std::string base = "simulate --hw " + kEdge + " --workload " + kTinyConv + " --training --batch 2 ";
  REQUIRE(run_mpsim(base + "--formats A=fp16 --out " + (s.dir / "fp16").string()).status == 0);
  REQUIRE(run_mpsim(base + "--formats A=e4m3 --out " + (s.dir / "e4m3").string()).status == 0);
  const auto a = csv_rows(slurp(s.dir / "fp16" / "ops.csv")), b = csv_rows(slurp(s.dir / "e4m3" / "ops.csv"));
  REQUIRE(a.size() == 9);
  REQUIRE(b.size() == 9);
  CHECK(a[3].at("name") == "fc.bwd_data");
  CHECK(a[8].at("name") == "conv1.bwd_weight");
  CHECK(a[0].at("M") == "392");  // batch 2 x 196 positions
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].at("name"));
    // e4m3 is one byte, fp16 two: exactly A's SRAM bytes halve; B's do not move.
    CHECK(std::stoll(a[i].at("sram_a_read_bytes")) == 2 * std::stoll(b[i].at("sram_a_read_bytes")));
    CHECK(a[i].at("sram_b_read_bytes") == b[i].at("sram_b_read_bytes"));
  }
}

TEST_CASE("mpsim simulate --formats by tensor role sets that role in every phase", "[host][cli][sim]") {
  const Scratch s;
  const std::string base = "simulate --hw " + kEdge + " --workload " + kTinyConv + " --training ";
  REQUIRE(run_mpsim(base + "--out " + (s.dir / "fp32").string()).status == 0);
  const Run r = run_mpsim(base + "--formats A=fp16,weight=e4m3 --out " + (s.dir / "w8").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto a = csv_rows(slurp(s.dir / "fp32" / "ops.csv")), b = csv_rows(slurp(s.dir / "w8" / "ops.csv"));
  REQUIRE(a.size() == 9);
  REQUIRE(b.size() == 9);
  const auto bytes = [](const std::map<std::string, std::string>& row, const char* column) {
    return std::stoll(row.at(column));
  };
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string phase = a[i].at("phase");
    INFO(a[i].at("name"));
    // A (never a weight in these phases) went fp32 -> fp16 in every op.
    CHECK(bytes(a[i], "sram_a_read_bytes") == 2 * bytes(b[i], "sram_a_read_bytes"));
    if (phase == "bwd_weight") {
      // B is the output gradient: untouched by the weight key.
      CHECK(bytes(a[i], "sram_b_read_bytes") == bytes(b[i], "sram_b_read_bytes"));
    } else {
      // B is the weight in fwd and bwd_data: fp32 (4 bytes) -> e4m3 (1 byte).
      CHECK(bytes(a[i], "sram_b_read_bytes") == 4 * bytes(b[i], "sram_b_read_bytes"));
    }
  }
  const auto summary = nlohmann::json::parse(slurp(s.dir / "w8" / "summary.json"));
  CHECK(summary["run"]["formats"] == "A=fp16,B=fp32,C=fp32,acc=fp32,weight=e4m3");
}

TEST_CASE("mpsim simulate reads a JSON-lines workload", "[host][cli][sim]") {
  const Scratch s;
  const std::string w = s.write(
      "w.jsonl", R"({"name":"g","layer":"l","phase":"fwd","M":64,"N":32,"K":48,)"
                 R"("A":{"tensor":"x","role":"activation","format":"e4m3"},"B":{"tensor":"w","role":"weight","format":"e4m3"},)"
                 R"("C":{"tensor":"y","role":"activation","format":"fp32"}})"
                 "\n");
  const Run r = run_mpsim("simulate --hw " + kEdge + " --workload " + w + " --out " + (s.dir / "o").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto ops = csv_rows(slurp(s.dir / "o" / "ops.csv"));
  REQUIRE(ops.size() == 1);
  CHECK(ops[0].at("macs") == std::to_string(64 * 32 * 48));
}

TEST_CASE("mpsim simulate --report scalesim writes SCALE-Sim's three reports", "[host][cli][sim]") {
  const Scratch s;
  const fs::path out = s.dir / "o";
  fs::create_directories(out);
  std::ofstream(out / "ops.csv") << "results of an earlier run\n";  // replaced, not appended to
  const Run r = run_mpsim("simulate --hw " + kScalesimCfg + " --workload " + kTinyConv + " --report scalesim --out " +
                          out.string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto compute = lines(slurp(out / "COMPUTE_REPORT.csv"));
  const auto bandwidth = lines(slurp(out / "BANDWIDTH_REPORT.csv"));
  const auto detail = lines(slurp(out / "DETAILED_ACCESS_REPORT.csv"));
  // SCALE-Sim v2's headers, byte for byte (scalesim/simulator.py).
  CHECK(compute.at(0) == "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,");
  CHECK(bandwidth.at(0) ==
        "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, "
        "Avg OFMAP DRAM BW,");
  CHECK(detail.at(0) ==
        "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM "
        "Filter Stop Cycle, SRAM Filter Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM "
        "IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop Cycle, "
        "DRAM Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,");
  REQUIRE(compute.size() == 4);
  REQUIRE(bandwidth.size() == 4);
  REQUIRE(detail.size() == 4);
  const auto ops = csv_rows(slurp(out / "ops.csv"));
  REQUIRE(ops.size() == 3);
  // conv1 under SCALE-Sim's conventions on 32x32 os: M = 14 x 14 = 196, N = 8, K = 27;
  // ceil(196 / 32) = 7 folds of 27 + 32 + 32 - 2 = 89 cycles, reported as 7 x 89 - 1 = 622.
  CHECK(ops[0].at("scalesim_cycles") == "622");
  // A .cfg means scalesim timing, SCALE-Sim's ceil output size and one byte per word: conv2
  // (14x14, 3x3, stride 2) has ceil((14 - 3 + 2) / 2) = 7, so 49 positions (valid would give 36).
  CHECK(ops[1].at("M") == "49");
  const auto summary = nlohmann::json::parse(slurp(out / "summary.json"));
  CHECK(summary["run"]["timing"] == "scalesim");
  CHECK(summary["run"]["conv_output"] == "scalesim");
  CHECK(summary["run"]["formats"] == "A=e4m3,B=e4m3,C=e4m3,acc=fp32");
  CHECK(listing(out).size() == 5);  // ops.csv, summary.json, three reports; no temporaries
  CHECK(compute[1].rfind("0, " + ops[0].at("total_cycles") + ", " + ops[0].at("stall_memory_cycles") + ", ", 0) == 0);
  // Mapping efficiency: 196 x 8 used of 7 folds x 32 x 32 PEs = 21.875 %; SCALE-Sim's compute
  // utilization is that times T / fold cycles = 21.875 x 27 / 89.
  CHECK(compute[1].find(", 21.875, ") != std::string::npos);
  CHECK(detail[1].rfind("0, 0, " + std::to_string(std::stoll(ops[0].at("total_cycles")) - 1) + ", 5292, ", 0) == 0);
  for (const auto& l : {compute[3], bandwidth[3], detail[3]}) CHECK(l.rfind("2, ", 0) == 0);
}

TEST_CASE("mpsim simulate: each bad input is one line, a non-zero exit, and DIR untouched", "[host][cli][sim]") {
  const Scratch s;
  const fs::path out = s.dir / "keep";
  fs::create_directories(out);
  std::ofstream(out / "ops.csv") << "old results\n";
  const auto before = listing(out);
  const std::string bad_csv = s.write("bad.csv",
                                      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                                      "Num Filter, Strides,\nc1,8,8,3,3,three,4,1,\n");
  const std::string bad_jsonl = s.write("bad.jsonl", "{\"name\": 1}\n");
  const std::string a_file = s.write("file", "x");
  const std::string ok = "--hw " + kEdge + " --workload " + kTinyConv + " --out " + out.string();
  const std::string ok_in = "--hw " + kEdge + " --workload " + kTinyConv;
  struct Case {
    std::string args, err;  // err: the whole stderr line, or its start when it ends in "..."
  };
  const Case cases[] = {
      {"simulate " + ok + " --engine fpga", "mpsim simulate: --engine: 'fpga' is not one of model, rtl"},
      {"simulate " + ok + " --timing fast", "mpsim simulate: --timing: 'fast' is not one of mpsim, scalesim"},
      {"simulate " + ok + " --conv-output wide",
       "mpsim simulate: --conv-output: 'wide' is not one of same, scalesim, valid"},
      {"simulate " + ok + " --formats X=e4m3",
       "mpsim simulate: --formats: unknown key 'X' (allowed: A, B, C, acc, weight, master_weight, activation, activation_grad, weight_grad, optimizer_state, loss_scale)"},
      {"simulate " + ok + " --formats A",
       "mpsim simulate: --formats: 'A' is not KEY=FORMAT (keys A, B, C, acc, weight, master_weight, activation, activation_grad, weight_grad, optimizer_state, loss_scale; e.g. A=e4m3)"},
      {"simulate " + ok + " --formats A=e4m3,A=fp16", "mpsim simulate: --formats: 'A' given twice"},
      {"simulate " + ok + " --formats weight=e4m3,", "mpsim simulate: --formats: '' is not KEY=FORMAT ..."},
      {"simulate " + ok + " --formats A=e9m9", "mpsim simulate: --formats A: ..."},
      {"simulate " + ok + " --report html", "mpsim simulate: --report: 'html' is not one of scalesim"},
      {"simulate " + ok_in + " --report scalesim", "mpsim simulate: --report scalesim needs --out DIR to write to"},
      {"simulate " + ok + " --batch 0", "mpsim simulate: --batch: 0 is not from 1 to 1048576"},
      {"simulate --hw " + kEdge + " --workload " + bad_jsonl + " --training --out " + out.string(),
       "mpsim simulate: --training applies to a topology .csv; a .jsonl workload lists its GEMMs, backward ones "
       "included"},
      {"simulate --hw " + kEdge + " --workload w.txt --out " + out.string(),
       "mpsim simulate: --workload: 'w.txt' is neither a JSON-lines workload (.jsonl) nor a SCALE-Sim topology (.csv)"},
      {"simulate --hw " + kEdge + " --workload " + bad_csv + " --out " + out.string(),
       "mpsim simulate: " + bad_csv + ":2: column 'Channels': 'three' is not an integer from 1 to 16777216"},
      {"simulate --hw " + kEdge + " --workload " + bad_jsonl + " --out " + out.string(),
       "mpsim simulate: " + bad_jsonl + ":1: ..."},
      {"simulate --hw " + kEdge + " --workload /nonexistent/t.csv --out " + out.string(),
       "mpsim simulate: /nonexistent/t.csv: cannot open the topology file"},
      {"simulate --hw /nonexistent/hw.yaml --workload " + kTinyConv + " --out " + out.string(),
       "mpsim simulate: /nonexistent/hw.yaml..."},
      {"simulate --hw " + bad_csv + " --workload " + kTinyConv + " --out " + out.string(), "mpsim simulate: ..."},
      {"simulate " + ok + " --energy /nonexistent/e.yaml", "mpsim simulate: /nonexistent/e.yaml..."},
      {"simulate " + ok_in + " --out " + a_file, "mpsim simulate: --out: '" + a_file + "' exists and is not a directory"},
      {"simulate --workload " + kTinyConv + " --out " + out.string(), "mpsim: --hw is required (see mpsim --help)"},
      {"simulate " + ok + " --frobnicate", "mpsim: The following argument was not expected: --frobnicate (see mpsim --help)"},
  };
  for (const Case& c : cases) {
    INFO(c.args);
    const Run r = run_mpsim(c.args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    const auto err = lines(r.err);
    REQUIRE(err.size() == 1);
    if (c.err.size() > 3 && c.err.compare(c.err.size() - 3, 3, "...") == 0) {
      CHECK(err[0].rfind(c.err.substr(0, c.err.size() - 3), 0) == 0);
      CHECK(err[0].size() > c.err.size());
    } else {
      CHECK(err[0] == c.err);
    }
    CHECK(listing(out) == before);
  }
}
