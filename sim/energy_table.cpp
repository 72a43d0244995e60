// configs/energy/*.yaml -> EnergyTable (keys in docs/SIM.md).
#include "sim/energy_table.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "model/format_names.hpp"
#include "sim/config_reader.hpp"

namespace mpsim::sim {

namespace {

constexpr double kMaxPj = 1e7;  // 10 uJ: far above any single access or operation

// {pj: X, source: "..."} (or {mw: X, ...} for static power).
EnergyEntry read_entry(const ConfigReader& r, const YAML::Node& node, const std::string& key,
                       std::string_view unit = "pj") {
  r.check_map(node, key, {unit, "source"}, {unit, "source"});
  return {r.number(node[std::string(unit)], join_key(key, unit), 0.0, kMaxPj, false),
          r.text(node["source"], join_key(key, "source"))};
}

std::vector<FormatEnergy> read_formats(const ConfigReader& r, const YAML::Node& node, const std::string& key) {
  if (!node.IsMap() || node.size() == 0) r.fail(key, "a map from format name to {pj, source}, at least one entry");
  r.check_keys(node, key);
  std::vector<FormatEnergy> out;
  for (const auto& entry : node) {
    const std::string name = entry.first.Scalar();
    const std::string k = join_key(key, name);
    FloatFormat f;
    try {
      f = parse_format(name);
    } catch (const std::invalid_argument&) {
      r.fail(k, "a format name: " + allowed_format_names());
    }
    out.push_back({f, read_entry(r, entry.second, k)});
  }
  return out;
}

// Wider is costlier: order by total bits, then mantissa bits.
bool narrower(const FloatFormat& a, const FloatFormat& b) {
  return a.total_bits() != b.total_bits() ? a.total_bits() < b.total_bits() : a.man_bits < b.man_bits;
}

const EnergyEntry& lookup(const std::vector<FormatEnergy>& table, const FloatFormat& f, const char* what) {
  for (const FormatEnergy& e : table) {
    if (e.format == f) return e.energy;
  }
  // Same width, nearest mantissa; else the narrowest wider one.
  const FormatEnergy* best = nullptr;
  for (const FormatEnergy& e : table) {
    if (e.format.total_bits() != f.total_bits()) continue;
    if (!best || std::abs(e.format.man_bits - f.man_bits) < std::abs(best->format.man_bits - f.man_bits)) best = &e;
  }
  if (!best) {
    for (const FormatEnergy& e : table) {
      if (e.format.total_bits() > f.total_bits() && (!best || narrower(e.format, best->format))) best = &e;
    }
  }
  if (!best) throw std::out_of_range(std::string("the energy table has no ") + what + " entry as wide as " + format_name(f));
  return best->energy;
}

}  // namespace

double EnergyTable::multiply_pj(const FloatFormat& a, const FloatFormat& b) const {
  return lookup(multiply, narrower(a, b) ? b : a, "multiply").pj;
}

double EnergyTable::add_pj(const FloatFormat& acc) const { return lookup(add, acc, "add").pj; }

double EnergyTable::sram_pj_per_byte(std::int64_t capacity_bytes) const {
  const double bytes_per_access = sram_access_bits / 8.0;
  if (sram.size() == 1 || capacity_bytes <= sram.front().capacity_bytes) return sram.front().energy.pj / bytes_per_access;
  if (capacity_bytes >= sram.back().capacity_bytes) return sram.back().energy.pj / bytes_per_access;
  // Linear in log2(capacity) between the two neighbours: Horowitz's three points (8 kB 10 pJ,
  // 32 kB 20 pJ, 1 MB 100 pJ) grow roughly by a constant per doubling.
  std::size_t i = 1;
  while (sram[i].capacity_bytes < capacity_bytes) ++i;
  const double x0 = std::log2(static_cast<double>(sram[i - 1].capacity_bytes));
  const double x1 = std::log2(static_cast<double>(sram[i].capacity_bytes));
  const double x = std::log2(static_cast<double>(capacity_bytes));
  const double pj = sram[i - 1].energy.pj + (sram[i].energy.pj - sram[i - 1].energy.pj) * (x - x0) / (x1 - x0);
  return pj / bytes_per_access;
}

// The table as read by `r` (from a file or a stream).
static EnergyTable read_table(const ConfigReader& r) {
  const std::string& path = r.path();
  const YAML::Node& root = r.root();
  r.check_map(root, "", {"name", "source", "multiply", "add", "zero_gating", "sram", "dram", "static"},
              {"name", "multiply", "add", "zero_gating", "sram", "dram", "static"});
  EnergyTable t;
  t.source_path = path;
  t.name = r.text(root["name"], "name");
  t.multiply = read_formats(r, root["multiply"], "multiply");
  t.add = read_formats(r, root["add"], "add");

  const YAML::Node gating = root["zero_gating"];
  r.check_map(gating, "zero_gating", {"detect", "gated_mac"}, {"detect", "gated_mac"});
  t.zero_detect = read_entry(r, gating["detect"], "zero_gating.detect");
  t.gated_mac = read_entry(r, gating["gated_mac"], "zero_gating.gated_mac");

  const YAML::Node sram = root["sram"];
  r.check_map(sram, "sram", {"access_bits", "points"}, {"access_bits", "points"});
  t.sram_access_bits = static_cast<int>(r.integer(sram["access_bits"], "sram.access_bits", 8, 4096));
  const YAML::Node points = sram["points"];
  if (!points.IsSequence() || points.size() == 0) {
    r.fail("sram.points", "a list of {capacity_kib, pj, source}, ascending capacity, at least one");
  }
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::string key = "sram.points[" + std::to_string(i) + "]";
    r.check_map(points[i], key, {"capacity_kib", "pj", "source"}, {"capacity_kib", "pj", "source"});
    SramEnergyPoint p;
    p.capacity_bytes =
        static_cast<std::int64_t>(r.number(points[i]["capacity_kib"], key + ".capacity_kib", 0.0, 1 << 24, true) * 1024.0);
    p.energy = {r.number(points[i]["pj"], key + ".pj", 0.0, kMaxPj, false), r.text(points[i]["source"], key + ".source")};
    if (!t.sram.empty() && p.capacity_bytes <= t.sram.back().capacity_bytes) {
      r.fail(key + ".capacity_kib", "capacities must ascend");
    }
    t.sram.push_back(p);
  }

  const YAML::Node dram = root["dram"];
  r.check_map(dram, "dram", {"access_bits", "pj", "source"}, {"access_bits", "pj", "source"});
  t.dram_access_bits = static_cast<int>(r.integer(dram["access_bits"], "dram.access_bits", 8, 4096));
  t.dram = {r.number(dram["pj"], "dram.pj", 0.0, kMaxPj, false), r.text(dram["source"], "dram.source")};

  const YAML::Node st = root["static"];
  r.check_map(st, "static", {"per_pe", "per_sram_kib"}, {"per_pe", "per_sram_kib"});
  t.static_mw_per_pe = read_entry(r, st["per_pe"], "static.per_pe", "mw");
  t.static_mw_per_sram_kib = read_entry(r, st["per_sram_kib"], "static.per_sram_kib", "mw");
  return t;
}

EnergyTable load_energy_table(const std::string& path) { return read_table(ConfigReader(path)); }

EnergyTable read_energy_table(std::istream& in, const std::string& path) { return read_table(ConfigReader(path, in)); }

}  // namespace mpsim::sim
