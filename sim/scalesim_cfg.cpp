// A SCALE-Sim v2 `.cfg` file, read unchanged (scalesim/scale_config.py reads it with Python's
// configparser: sections, `key : value` or `key = value`, keys case-insensitive, `#`/`;`
// comments). What each key becomes:
//
//   [general]              run_name                 -> name
//   [architecture_presets] ArrayHeight, ArrayWidth  -> array rows, cols
//                          IfmapSramSzkB            -> sram.a capacity (kB x 1024 bytes)
//                          FilterSramSzkB           -> sram.b capacity
//                          OfmapSramSzkB            -> sram.c capacity
//                          Dataflow                 -> os | ws | is
//                          MemoryBanks              -> banks of each buffer
//                          Bandwidth                -> DRAM words per cycle (USER mode; a list,
//                                                      one per bank: the smallest is used, as
//                                                      SCALE-Sim's get_min_dram_bandwidth)
//                          IfmapOffset, FilterOffset, OfmapOffset, ReadRequestBuffer,
//                          WriteRequestBuffer       -> accepted, no effect (addresses, queues)
//   [run_presets]          InterfaceBandwidth       -> USER: Bandwidth binds; CALC: unlimited
//   [network_presets]      TopologyCsvLoc           -> accepted, no effect (--workload names it)
//
// SCALE-Sim has no clock, word size, MAC pipeline or lanes: one byte per word, 1000 MHz (so a
// word per cycle is 1 GB/s), one lane for every format, fp32 accumulation, double-buffered
// SRAMs (its read buffers prefetch into one half while the array reads the other), no DRAM
// latency, and the scalesim timing mode.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "sim/config_reader.hpp"
#include "sim/hw_config.hpp"

namespace mpsim::sim {

namespace {

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Entry {
  std::string key;  // as written
  std::string value;
  int line = 0;
};

}  // namespace

HwConfig read_scalesim_cfg(std::istream& in, const std::string& path) {
  const auto fail = [&](const std::string& key, const std::string& what) -> void {
    throw ConfigError(path + ": key '" + key + "': " + what);
  };

  // Section and key names as SCALE-Sim spells them; matched case-insensitively.
  const std::map<std::string, std::vector<std::string_view>> known = {
      {"general", {"run_name"}},
      {"architecture_presets",
       {"ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB", "IfmapOffset",
        "FilterOffset", "OfmapOffset", "Dataflow", "Bandwidth", "MemoryBanks", "ReadRequestBuffer",
        "WriteRequestBuffer"}},
      {"run_presets", {"InterfaceBandwidth"}},
      {"network_presets", {"TopologyCsvLoc"}},
  };
  std::map<std::string, Entry> values;  // lower-case "section.key" -> entry
  std::string section;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[') {
      if (t.back() != ']') throw ConfigError(path + ":" + std::to_string(n) + ": a section header is [name]");
      section = trim(t.substr(1, t.size() - 2));
      if (!known.count(section)) {
        std::string names;
        for (const auto& [s, keys] : known) names += (names.empty() ? "" : ", ") + s;
        fail("[" + section + "]", "unknown section; allowed: " + names);
      }
      continue;
    }
    const std::size_t sep = t.find_first_of(":=");
    if (sep == std::string::npos || section.empty()) {
      throw ConfigError(path + ":" + std::to_string(n) + ": expected `key : value` inside a [section]");
    }
    const std::string key = trim(t.substr(0, sep));
    const auto& allowed = known.at(section);
    const auto match = std::find_if(allowed.begin(), allowed.end(),
                                    [&](std::string_view a) { return lower(std::string(a)) == lower(key); });
    if (match == allowed.end()) {
      const std::string near = nearest_name(key, allowed);
      std::string names;
      for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      fail(section + "." + key, "unknown key" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
                                    " Allowed: " + names);
    }
    // configparser (SCALE-Sim's reader) refuses a key given twice in a section; so does this.
    const auto [it, fresh] = values.try_emplace(lower(section + "." + key),
                                                Entry{section + "." + std::string(*match), trim(t.substr(sep + 1)), n});
    if (!fresh) {
      fail(it->second.key, "given twice (lines " + std::to_string(it->second.line) + " and " + std::to_string(n) +
                               "); each key may appear once");
    }
  }

  const auto get = [&](const std::string& key) -> const Entry& {
    const auto it = values.find(lower(key));
    if (it == values.end()) fail(key, "missing; required");
    return it->second;
  };
  const auto integer = [&](const std::string& key, long long min, long long max) {
    const Entry& e = get(key);
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(e.value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != e.value.size() || v < min || v > max) {
      fail(e.key, "a whole number from " + std::to_string(min) + " to " + std::to_string(max) + " (got '" +
                      e.value + "')");
    }
    return v;
  };

  HwConfig hw;
  hw.source_path = path;
  hw.timing = TimingMode::scalesim;
  hw.clock_mhz = 1000.0;
  hw.name = values.count("general.run_name") ? get("general.run_name").value : "scalesim";
  hw.array.rows = static_cast<int>(integer("architecture_presets.ArrayHeight", 1, 1 << 14));
  hw.array.cols = static_cast<int>(integer("architecture_presets.ArrayWidth", 1, 1 << 14));
  hw.array.mac_latency = 1;
  const std::string df = lower(get("architecture_presets.Dataflow").value);
  if (df == "os") hw.array.dataflow = Dataflow::os;
  else if (df == "ws") hw.array.dataflow = Dataflow::ws;
  else if (df == "is") hw.array.dataflow = Dataflow::is;
  else fail(get("architecture_presets.Dataflow").key, "os, ws or is (got '" + df + "')");
  const int banks = values.count("architecture_presets.memorybanks")
                        ? static_cast<int>(integer("architecture_presets.MemoryBanks", 1, 1024))
                        : 1;
  // The array reads one word per row (and per column) each cycle: a port as wide as the
  // widest operand times the array edge never binds, as in SCALE-Sim.
  const int port = 4 * std::max(hw.array.rows, hw.array.cols);
  const auto sram = [&](const std::string& key) {
    SramConfig s;
    s.capacity_bytes = integer(key, 1, 1 << 24) * 1024;
    s.banks = banks;
    s.bytes_per_cycle = port;
    s.double_buffered = true;
    return s;
  };
  hw.sram_a = sram("architecture_presets.IfmapSramSzkB");
  hw.sram_b = sram("architecture_presets.FilterSramSzkB");
  hw.sram_c = sram("architecture_presets.OfmapSramSzkB");

  const std::string mode = get("run_presets.InterfaceBandwidth").value;
  hw.dram.latency_ns = 0.0;
  hw.dram.burst_bytes = 1;
  if (mode == "CALC") {
    hw.dram.unlimited = true;
  } else if (mode == "USER") {
    const Entry& bw = get("architecture_presets.Bandwidth");
    std::stringstream list(bw.value);
    std::string item;
    double smallest = 0.0;
    int count = 0;
    while (std::getline(list, item, ',')) {
      item = trim(item);
      std::size_t used = 0;
      double v = 0.0;
      try {
        v = std::stod(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != item.size() || !(v > 0.0) || v > 1e6) {
        fail(bw.key, "words per cycle greater than 0, one per memory bank, comma-separated (got '" + bw.value + "')");
      }
      smallest = count++ == 0 ? v : std::min(smallest, v);
    }
    if (count != banks) {
      fail(bw.key, "one bandwidth per memory bank (" + std::to_string(banks) + "), as SCALE-Sim requires (got '" +
                       bw.value + "')");
    }
    hw.dram.bandwidth_gbps = smallest * 1.0 /*byte per word*/ * hw.clock_mhz / 1000.0;
  } else {
    fail(get("run_presets.InterfaceBandwidth").key, "USER or CALC (got '" + mode + "')");
  }
  return hw;
}

}  // namespace mpsim::sim
