// Config loading: the shipped hw and energy files, SCALE-Sim's .cfg read unchanged, and one
// clear line for every kind of bad input (issue 5, "each config error ... gives its clear
// message").
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "model/float_format.hpp"
#include "sim/energy_table.hpp"
#include "sim/hw_config.hpp"
#include "sim_test_support.hpp"

using namespace mpsim;
using namespace mpsim::sim;
using mpsim::sim::test::source_path;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("mpsim_sim_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}

// The message of the ConfigError that loading `path` throws ("" when it loads).
template <typename Load>
std::string error_of(Load load, const std::string& path) {
  try {
    load(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string kGoodYaml = R"(name: t
clock_mhz: 500
timing: mpsim
array:
  rows: 16
  cols: 16
  dataflow: os
  mac_latency: 1
  macs_per_cycle: {fp32: 1, fp16: 2, fp8: 4}
  accumulator: fp32
sram:
  a: {capacity_kib: 64, banks: 2, bytes_per_cycle: 64, double_buffered: true}
  b: {capacity_kib: 64, banks: 2, bytes_per_cycle: 64, double_buffered: true}
  c: {capacity_kib: 32, banks: 2, bytes_per_cycle: 64, double_buffered: false}
dram:
  bandwidth_gbps: 12.8
  latency_ns: 100
  burst_bytes: 64
)";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("sim config: the shipped hw configs load with their documented values", "[sim][config]") {
  const HwConfig edge = load_hw_config(source_path("configs/hw/edge_16x16.yaml"));
  CHECK(edge.array.rows == 16);
  CHECK(edge.array.cols == 16);
  CHECK(edge.array.lanes[WidthClass::bits8] == 4);
  CHECK(std::filesystem::exists(edge.energy_table_path));
  const HwConfig large = load_hw_config(source_path("configs/hw/large_128x128.yaml"));
  CHECK(large.array.rows == 128);
  CHECK(large.dram.bandwidth_gbps >= 400.0);  // HBM class
  CHECK(std::filesystem::exists(large.energy_table_path));

  // scalesim_32x32.yaml and SCALE-Sim's own scale.cfg describe the same machine.
  const HwConfig yaml = load_hw_config(source_path("configs/hw/scalesim_32x32.yaml"));
  const HwConfig cfg = load_hw_config(source_path("configs/hw/scalesim_32x32.cfg"));
  for (const HwConfig* hw : {&yaml, &cfg}) {
    INFO(hw->source_path);
    CHECK(hw->array.rows == 32);
    CHECK(hw->array.cols == 32);
    CHECK(hw->array.dataflow == Dataflow::os);
    CHECK(hw->sram_a.capacity_bytes == 64 * 1024);
    CHECK(hw->sram_b.capacity_bytes == 64 * 1024);
    CHECK(hw->sram_c.capacity_bytes == 64 * 1024);
    CHECK(hw->dram.unlimited);
    CHECK(hw->timing == TimingMode::scalesim);
    CHECK(hw->array.lanes[WidthClass::bits8] == 1);
  }
}

TEST_CASE("sim config: a hw config emits the Verilator parameters of its array", "[sim][config][rtl]") {
  const HwConfig edge = load_hw_config(source_path("configs/hw/edge_16x16.yaml"));
  CHECK(verilator_params(edge) == "-GNumRows=16 -GNumCols=16 -GNumPipeRegs=1 -GAccFmt=0 -GFmtMask=31");
  HwConfig ws = edge;
  ws.array.dataflow = Dataflow::ws;
  CHECK_THROWS_WITH(verilator_params(ws), Catch::Contains("key 'array.dataflow': rtl/ builds os only"));
  HwConfig fp16 = edge;
  fp16.array.accumulator = formats::fp16;
  CHECK(verilator_params(fp16).find("-GAccFmt=1") != std::string::npos);
}

TEST_CASE("sim config: the energy tables load, every entry sourced, Horowitz's figures", "[sim][config][energy]") {
  const EnergyTable h = load_energy_table(source_path("configs/energy/horowitz_45nm.yaml"));
  CHECK(h.multiply_pj(formats::fp32, formats::fp32) == 3.7);
  CHECK(h.multiply_pj(formats::fp16, formats::fp16) == 1.1);
  CHECK(h.add_pj(formats::fp32) == 0.9);
  CHECK(h.add_pj(formats::fp16) == 0.4);
  CHECK(h.dram.pj == Approx(1950));  // the midpoint of 1.3-2.6 nJ
  CHECK(h.sram_pj_per_byte(8 * 1024) == Approx(10.0 / 8));
  CHECK(h.sram_pj_per_byte(32 * 1024) == Approx(20.0 / 8));
  CHECK(h.sram_pj_per_byte(1024 * 1024) == Approx(100.0 / 8));
  // Between points: linear in log2(capacity): 16 kB is halfway from 8 kB to 32 kB.
  CHECK(h.sram_pj_per_byte(16 * 1024) == Approx(15.0 / 8));
  // fp8 entries are marked assumptions.
  for (const FormatEnergy& e : h.multiply) {
    if (e.format.total_bits() == 8) CHECK(e.energy.source.rfind("assumption:", 0) == 0);
  }
  // A mixed product is priced by its wider operand; an fp8 x fp8 MAC still pays the fp32 add.
  CHECK(h.multiply_pj(formats::e4m3, formats::fp16) == 1.1);
  const EnergyTable j = load_energy_table(source_path("configs/energy/jouppi_7nm.yaml"));
  CHECK(j.multiply_pj(formats::fp32, formats::fp32) < h.multiply_pj(formats::fp32, formats::fp32));
  for (const EnergyTable* t : {&h, &j}) {
    for (const auto* list : {&t->multiply, &t->add}) {
      for (const FormatEnergy& e : *list) CHECK(!e.energy.source.empty());
    }
    for (const SramEnergyPoint& p : t->sram) CHECK(!p.energy.source.empty());
    CHECK(!t->dram.source.empty());
  }
}

TEST_CASE("sim config: bad hw YAML gives one line naming file, key and what is allowed", "[sim][config]") {
  struct Case {
    const char* what;
    std::string text;
    std::string expected;  // a part of the message after "FILE: "
  };
  const Case cases[] = {
      {"unknown top key", replace(kGoodYaml, "array:", "arrray:"), "key 'arrray': unknown key; did you mean 'array'?"},
      {"unknown nested key", replace(kGoodYaml, "rows: 16", "rowz: 16"), "key 'array.rowz': unknown key; did you mean 'rows'?"},
      {"wrong type", replace(kGoodYaml, "rows: 16", "rows: sixteen"),
       "key 'array.rows': a whole number from 1 to 16384 (got 'sixteen')"},
      {"fraction for an integer", replace(kGoodYaml, "cols: 16", "cols: 16.5"), "key 'array.cols': a whole number"},
      {"negative", replace(kGoodYaml, "rows: 16", "rows: -4"), "key 'array.rows': a whole number from 1 to 16384 (got -4)"},
      {"zero", replace(kGoodYaml, "cols: 16", "cols: 0"), "key 'array.cols': a whole number from 1 to 16384 (got 0)"},
      {"NaN", replace(kGoodYaml, "clock_mhz: 500", "clock_mhz: .nan"), "key 'clock_mhz': a number greater than 0"},
      {"nan spelled out", replace(kGoodYaml, "latency_ns: 100", "latency_ns: nan"), "key 'dram.latency_ns': a number from 0"},
      {"negative bandwidth", replace(kGoodYaml, "bandwidth_gbps: 12.8", "bandwidth_gbps: -1"),
       "key 'dram.bandwidth_gbps': a number greater than 0"},
      {"zero capacity", replace(kGoodYaml, "a: {capacity_kib: 64", "a: {capacity_kib: 0"),
       "key 'sram.a.capacity_kib': a number greater than 0"},
      {"bad dataflow", replace(kGoodYaml, "dataflow: os", "dataflow: xs"), "key 'array.dataflow': os, ws or is (got 'xs')"},
      {"bad timing", replace(kGoodYaml, "timing: mpsim", "timing: fast"), "key 'timing': mpsim or scalesim (got 'fast')"},
      {"bad bool", replace(kGoodYaml, "double_buffered: false", "double_buffered: maybe"),
       "key 'sram.c.double_buffered': true or false (got 'maybe')"},
      {"bad format", replace(kGoodYaml, "accumulator: fp32", "accumulator: fp33"), "key 'array.accumulator': a format name"},
      {"missing section", kGoodYaml.substr(0, kGoodYaml.find("dram:")), "key 'dram': missing; required"},
      {"missing key", replace(kGoodYaml, "  burst_bytes: 64\n", ""), "key 'dram.burst_bytes': missing; required"},
      {"lanes class unknown", replace(kGoodYaml, "fp8: 4", "int8: 4"), "key 'array.macs_per_cycle.int8': unknown key"},
      {"map where a number goes", replace(kGoodYaml, "rows: 16", "rows: {a: 1}"), "key 'array.rows': a whole number"},
      {"not YAML", "array: [1, 2\n", "not valid YAML"},
      {"empty file", "", "the file must be a YAML map of keys"},
      // yaml-cpp keeps a repeated key and answers lookups with the first: the reader refuses it.
      {"duplicate key", replace(kGoodYaml, "  rows: 16\n", "  rows: 16\n  rows: 8\n"),
       "key 'array.rows': given twice (lines 5 and 6); each key may appear once"},
      {"duplicate in a flow map", replace(kGoodYaml, "{fp32: 1,", "{fp32: 1, fp32: 2,"),
       "key 'array.macs_per_cycle.fp32': given twice (lines 9 and 9)"},
      {"a list as a key", "? [a]\n: 1\n" + kGoodYaml, "keys must be plain names (got a list as a key)"},
      {"a map as a nested key", replace(kGoodYaml, "  rows: 16\n", "  ? {r: 1}\n  : 16\n"),
       "key 'array': keys must be plain names (got a map as a key)"},
      {"huge integer", replace(kGoodYaml, "rows: 16", "rows: 99999999999999999999"),
       "key 'array.rows': a whole number from 1 to 16384 (got '99999999999999999999')"},
  };
  for (const Case& c : cases) {
    const std::string path = write_temp("bad.yaml", c.text);
    const std::string message = error_of(load_hw_config, path);
    INFO(c.what << ": " << message);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(message.find(c.expected) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(error_of(load_hw_config, write_temp("good.yaml", kGoodYaml)).empty());
  CHECK(error_of(load_hw_config, "/nonexistent/hw.yaml") == "/nonexistent/hw.yaml: no such file");
  const std::string txt = write_temp("hw.txt", kGoodYaml);
  CHECK(error_of(load_hw_config, txt).find("allowed: .yaml or .yml (mpsim), .cfg (SCALE-Sim)") != std::string::npos);
}

TEST_CASE("sim config: SCALE-Sim .cfg keys validated the same way", "[sim][config][scalesim]") {
  std::ifstream in(source_path("configs/hw/scalesim_32x32.cfg"));
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  struct Case {
    const char* what;
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"misspelt key", replace(good, "ArrayHeight", "ArrayHieght"),
       "key 'architecture_presets.ArrayHieght': unknown key; did you mean 'ArrayHeight'?"},
      {"negative", replace(good, "ArrayWidth:     32", "ArrayWidth: -32"),
       "key 'architecture_presets.ArrayWidth': a whole number from 1 to 16384 (got '-32')"},
      {"wrong type", replace(good, "IfmapSramSzkB:    64", "IfmapSramSzkB: lots"),
       "key 'architecture_presets.IfmapSramSzkB': a whole number"},
      {"bad dataflow", replace(good, "Dataflow : os", "Dataflow : rs"), "os, ws or is (got 'rs')"},
      {"bad mode", replace(good, "InterfaceBandwidth: CALC", "InterfaceBandwidth: AUTO"), "USER or CALC (got 'AUTO')"},
      {"missing key", replace(good, "Dataflow : os", ""), "key 'architecture_presets.Dataflow': missing; required"},
      {"USER needs one bandwidth per bank", replace(replace(good, "InterfaceBandwidth: CALC", "InterfaceBandwidth: USER"),
                                                      "MemoryBanks: 1", "MemoryBanks: 2"),
       "one bandwidth per memory bank (2)"},
      {"NaN bandwidth", replace(replace(good, "InterfaceBandwidth: CALC", "InterfaceBandwidth: USER"), "Bandwidth : 10",
                                "Bandwidth : nan"),
       "key 'architecture_presets.Bandwidth': words per cycle greater than 0"},
      {"unknown section", replace(good, "[run_presets]", "[run_settings]"), "key '[run_settings]': unknown section"},
      {"empty file", "", "key 'architecture_presets.ArrayHeight': missing; required"},
      // configparser, SCALE-Sim's reader, refuses a repeated key; so does mpsim.
      {"duplicate key", replace(good, "Dataflow : os", "Dataflow : os\ndataflow : ws"),
       "key 'architecture_presets.Dataflow': given twice"},
      {"huge size", replace(good, "IfmapSramSzkB:    64", "IfmapSramSzkB: 99999999999999999999"),
       "key 'architecture_presets.IfmapSramSzkB': a whole number from 1 to 16777216"},
  };
  for (const Case& c : cases) {
    const std::string path = write_temp("bad.cfg", c.text);
    const std::string message = error_of(load_hw_config, path);
    INFO(c.what << ": " << message);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(message.find(c.expected) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  // USER mode: Bandwidth words per cycle, one byte per word at 1000 MHz = GB/s.
  const std::string user = write_temp("user.cfg", replace(good, "InterfaceBandwidth: CALC", "InterfaceBandwidth: USER"));
  const HwConfig hw = load_hw_config(user);
  CHECK_FALSE(hw.dram.unlimited);
  CHECK(hw.dram.bandwidth_gbps == 10.0);
}

TEST_CASE("sim config: bad energy tables give one clear line", "[sim][config][energy]") {
  std::ifstream in(source_path("configs/energy/horowitz_45nm.yaml"));
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  struct Case {
    const char* what;
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"unknown key", replace(good, "zero_gating:", "zero_gateing:"), "key 'zero_gateing': unknown key; did you mean 'zero_gating'?"},
      {"no source", replace(good, R"(fp32: {pj: 3.7, source: "Horowitz ISSCC 2014: 32-bit FP mult 3.7 pJ"})", "fp32: {pj: 3.7}"),
       "key 'multiply.fp32.source': missing; required"},
      {"negative energy", replace(good, "pj: 3.7,", "pj: -3.7,"), "key 'multiply.fp32.pj': a number from 0"},
      {"unknown format", replace(good, "  e5m2: {pj: 0.16", "  e9m9: {pj: 0.16"), "key 'multiply.e9m9': a format name"},
      {"capacities out of order", replace(good, "capacity_kib: 32,", "capacity_kib: 4,"),
       "key 'sram.points[1].capacity_kib': capacities must ascend"},
      {"NaN energy", replace(good, "pj: 3.7,", "pj: .nan,"), "key 'multiply.fp32.pj': a number from 0 to 10000000 (got '.nan')"},
      {"duplicate format", replace(good, "multiply:\n", "multiply:\n  fp16: {pj: 1, source: x}\n"),
       "key 'multiply.fp16': given twice"},
      {"a list as a format", replace(good, "multiply:\n", "multiply:\n  [fp16]: {pj: 1, source: x}\n"),
       "key 'multiply': keys must be plain names (got a list as a key)"},
  };
  for (const Case& c : cases) {
    const std::string path = write_temp("bad_energy.yaml", c.text);
    const std::string message = error_of(load_energy_table, path);
    INFO(c.what << ": " << message);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(message.find(c.expected) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(error_of(load_energy_table, "/nonexistent/e.yaml") == "/nonexistent/e.yaml: cannot open the file");
}
