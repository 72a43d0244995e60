// configs/hw/*.yaml -> HwConfig (keys in docs/SIM.md). SCALE-Sim's .cfg: sim/scalesim_cfg.cpp.
#include "sim/hw_config.hpp"

#include <filesystem>
#include <fstream>
#include <string_view>

#include "model/format_names.hpp"
#include "sim/config_reader.hpp"

namespace mpsim::sim {

HwConfig read_scalesim_cfg(std::istream& in, const std::string& path);  // sim/scalesim_cfg.cpp

const char* dataflow_name(Dataflow d) {
  switch (d) {
    case Dataflow::os: return "os";
    case Dataflow::ws: return "ws";
    case Dataflow::is: return "is";
  }
  return "?";
}

const char* timing_mode_name(TimingMode t) { return t == TimingMode::mpsim ? "mpsim" : "scalesim"; }

const char* width_class_name(WidthClass w) {
  switch (w) {
    case WidthClass::bits32: return "fp32";
    case WidthClass::bits16: return "fp16";
    case WidthClass::bits8: return "fp8";
  }
  return "?";
}

namespace {

// Limits: wide enough for any array or memory one would simulate, narrow enough that products
// of them stay far inside 64-bit cycle and byte counts.
constexpr std::int64_t kMaxDim = 1 << 14;
constexpr std::int64_t kMaxLanes = 64;
constexpr std::int64_t kMaxPipe = 64;
constexpr double kMaxKib = 1 << 24;  // 16 GiB

SramConfig read_sram(const ConfigReader& r, const YAML::Node& node, const std::string& key) {
  r.check_map(node, key, {"capacity_kib", "banks", "bytes_per_cycle", "double_buffered"},
              {"capacity_kib", "banks", "bytes_per_cycle", "double_buffered"});
  SramConfig s;
  const double kib = r.number(node["capacity_kib"], join_key(key, "capacity_kib"), 0.0, kMaxKib, true);
  s.capacity_bytes = static_cast<std::int64_t>(kib * 1024.0 + 0.5);
  s.banks = static_cast<int>(r.integer(node["banks"], join_key(key, "banks"), 1, 1024));
  s.bytes_per_cycle = static_cast<int>(r.integer(node["bytes_per_cycle"], join_key(key, "bytes_per_cycle"), 1, 1 << 20));
  s.double_buffered = r.boolean(node["double_buffered"], join_key(key, "double_buffered"));
  return s;
}

FloatFormat read_format(const ConfigReader& r, const YAML::Node& node, const std::string& key) {
  const std::string name = r.text(node, key);
  try {
    return parse_format(name);
  } catch (const std::invalid_argument&) {
    r.fail(key, "a format name: " + allowed_format_names() + " (got '" + name + "')");
  }
}

HwConfig read_yaml(const ConfigReader& r) {
  const std::string& path = r.path();
  const YAML::Node& root = r.root();
  r.check_map(root, "", {"name", "clock_mhz", "timing", "energy_table", "array", "sram", "dram"},
              {"name", "clock_mhz", "array", "sram", "dram"});
  HwConfig hw;
  hw.source_path = path;
  hw.name = r.text(root["name"], "name");
  hw.clock_mhz = r.number(root["clock_mhz"], "clock_mhz", 0.0, 1e5, true);
  if (root["timing"]) {
    const std::string t = r.text(root["timing"], "timing");
    if (t == "mpsim") hw.timing = TimingMode::mpsim;
    else if (t == "scalesim") hw.timing = TimingMode::scalesim;
    else r.fail("timing", "mpsim or scalesim (got '" + t + "')");
  }
  if (root["energy_table"]) {
    // Relative to the hw file, so configs/hw/x.yaml can name ../energy/y.yaml from anywhere.
    const std::filesystem::path e = r.text(root["energy_table"], "energy_table");
    hw.energy_table_path = e.is_absolute() ? e.string() : (std::filesystem::path(path).parent_path() / e).string();
  }

  const YAML::Node array = r.child(root, "", "array");
  r.check_map(array, "array", {"rows", "cols", "dataflow", "mac_latency", "macs_per_cycle", "accumulator"},
              {"rows", "cols", "dataflow", "mac_latency", "macs_per_cycle", "accumulator"});
  hw.array.rows = static_cast<int>(r.integer(array["rows"], "array.rows", 1, kMaxDim));
  hw.array.cols = static_cast<int>(r.integer(array["cols"], "array.cols", 1, kMaxDim));
  const std::string df = r.text(array["dataflow"], "array.dataflow");
  if (df == "os") hw.array.dataflow = Dataflow::os;
  else if (df == "ws") hw.array.dataflow = Dataflow::ws;
  else if (df == "is") hw.array.dataflow = Dataflow::is;
  else r.fail("array.dataflow", "os, ws or is (got '" + df + "')");
  hw.array.mac_latency = static_cast<int>(r.integer(array["mac_latency"], "array.mac_latency", 0, kMaxPipe));
  const YAML::Node lanes = array["macs_per_cycle"];
  r.check_map(lanes, "array.macs_per_cycle", {"fp32", "fp16", "fp8"}, {"fp32", "fp16", "fp8"});
  for (WidthClass w : kWidthClasses) {
    const std::string key = join_key("array.macs_per_cycle", width_class_name(w));
    hw.array.lanes[w] = static_cast<int>(r.integer(lanes[width_class_name(w)], key, 1, kMaxLanes));
  }
  hw.array.accumulator = read_format(r, array["accumulator"], "array.accumulator");

  const YAML::Node sram = r.child(root, "", "sram");
  r.check_map(sram, "sram", {"a", "b", "c"}, {"a", "b", "c"});
  hw.sram_a = read_sram(r, sram["a"], "sram.a");
  hw.sram_b = read_sram(r, sram["b"], "sram.b");
  hw.sram_c = read_sram(r, sram["c"], "sram.c");

  const YAML::Node dram = r.child(root, "", "dram");
  r.check_map(dram, "dram", {"bandwidth_gbps", "latency_ns", "burst_bytes"},
              {"bandwidth_gbps", "latency_ns", "burst_bytes"});
  if (dram["bandwidth_gbps"].IsScalar() && dram["bandwidth_gbps"].Scalar() == "unlimited") {
    hw.dram.unlimited = true;
  } else {
    hw.dram.bandwidth_gbps = r.number(dram["bandwidth_gbps"], "dram.bandwidth_gbps", 0.0, 1e6, true);
  }
  hw.dram.latency_ns = r.number(dram["latency_ns"], "dram.latency_ns", 0.0, 1e6, false);
  hw.dram.burst_bytes = static_cast<int>(r.integer(dram["burst_bytes"], "dram.burst_bytes", 1, 1 << 16));
  return hw;
}

bool has_extension(const std::string& path, std::string_view ext) {
  return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

}  // namespace

HwConfig load_hw_config(const std::string& path) {
  std::error_code ec;  // a path the system refuses (too long) is no file either, not an exception
  if (!std::filesystem::exists(path, ec)) throw ConfigError(path + ": no such file");
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the file");
  return read_hw_config(in, path);
}

HwConfig read_hw_config(std::istream& in, const std::string& path) {
  if (has_extension(path, ".cfg")) return read_scalesim_cfg(in, path);
  if (has_extension(path, ".yaml") || has_extension(path, ".yml")) return read_yaml(ConfigReader(path, in));
  throw ConfigError(path + ": unknown config type; allowed: .yaml or .yml (mpsim), .cfg (SCALE-Sim)");
}

std::string verilator_params(const HwConfig& hw) {
  const std::string where = hw.source_path.empty() ? hw.name : hw.source_path;
  if (hw.array.dataflow != Dataflow::os) {
    throw ConfigError(where + ": key 'array.dataflow': rtl/ builds os only (got " + dataflow_name(hw.array.dataflow) + ")");
  }
  // AccFmt is the accumulator's code, its index in model/'s kPresets (rtl/README.md "Formats").
  int acc = -1;
  for (int c = 0; c < 3; ++c) {
    if (kPresets[c].format == hw.array.accumulator) acc = c;
  }
  if (acc < 0) throw ConfigError(where + ": key 'array.accumulator': rtl/ accumulates in fp32, fp16 or bf16");
  return "-GNumRows=" + std::to_string(hw.array.rows) + " -GNumCols=" + std::to_string(hw.array.cols) +
         " -GNumPipeRegs=" + std::to_string(hw.array.mac_latency) + " -GAccFmt=" + std::to_string(acc) + " -GFmtMask=31";
}

void validate_hw_config(const HwConfig& hw, const std::string& where) {
  const auto fail = [&](const char* key, const std::string& what) {
    throw ConfigError(where + ": key '" + key + "': " + what);
  };
  if (hw.array.rows < 1 || hw.array.rows > kMaxDim) fail("array.rows", "a whole number from 1 to 16384");
  if (hw.array.cols < 1 || hw.array.cols > kMaxDim) fail("array.cols", "a whole number from 1 to 16384");
  if (hw.array.mac_latency < 0 || hw.array.mac_latency > kMaxPipe) fail("array.mac_latency", "0 to 64");
  for (WidthClass w : kWidthClasses) {
    if (hw.array.lanes[w] < 1 || hw.array.lanes[w] > kMaxLanes) fail("array.macs_per_cycle", "1 to 64 per class");
  }
  if (!(hw.clock_mhz > 0.0 && hw.clock_mhz <= 1e5)) fail("clock_mhz", "a number greater than 0 and up to 100000");
  for (const SramConfig* s : {&hw.sram_a, &hw.sram_b, &hw.sram_c}) {
    if (s->capacity_bytes < 1 || s->banks < 1 || s->bytes_per_cycle < 1) {
      fail("sram", "capacity, banks and bytes per cycle must be positive");
    }
  }
  if (!hw.dram.unlimited && !(hw.dram.bandwidth_gbps > 0.0 && hw.dram.bandwidth_gbps <= 1e6)) {
    fail("dram.bandwidth_gbps", "a number greater than 0 and up to 1000000, or unlimited");
  }
  if (!(hw.dram.latency_ns >= 0.0 && hw.dram.latency_ns <= 1e6)) fail("dram.latency_ns", "a number from 0 to 1000000");
  if (hw.dram.burst_bytes < 1) fail("dram.burst_bytes", "a whole number from 1 to 65536");
}

}  // namespace mpsim::sim
