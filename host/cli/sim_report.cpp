#include "host/cli/sim_report.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/core.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/format_names.hpp"

namespace mpsim::cli {
namespace {

using nlohmann::ordered_json;
using sim::OpStats;
using sim::StepStats;

constexpr double kMB = 1e6;  // decimal megabytes, as DRAM bandwidth is quoted
constexpr double kUj = 1e6;  // pJ per uJ

std::int64_t dram_bytes(const OpStats& op) { return op.dram_read_bytes + op.dram_write_bytes; }

ordered_json sram_json(const sim::SramTraffic& s) {
  return {{"read_elements", s.read_elements},
          {"write_elements", s.write_elements},
          {"read_bytes", s.read_bytes},
          {"write_bytes", s.write_bytes}};
}

ordered_json energy_json(const sim::EnergyStats& e) {
  ordered_json mac = ordered_json::array();
  for (const sim::MacEnergy& m : e.mac) {
    mac.push_back({{"format", format_name(m.format)}, {"macs", m.macs}, {"pj", m.pj}});
  }
  return {{"total_pj", e.total_pj()}, {"mac_pj", e.mac_pj},         {"sram_pj", e.sram_pj},
          {"dram_pj", e.dram_pj},     {"static_pj", e.static_pj},   {"mac_by_format", mac}};
}

}  // namespace

std::string op_table(const sim::SimResult& r, bool terms) {
  std::size_t width = 2;
  for (const OpStats& op : r.ops) width = std::max(width, op.name.size());
  std::string out;
  auto line = std::back_inserter(out);
  fmt::format_to(line, "{:<{}} {:<10} {:>8} {:>6} {:>6} {:>7} {:>12} {:>10} {:>10} {:>6} {:>9} {:>10}", "op", width,
                 "phase", "M", "N", "K", "folds", "cycles", "stall_mem", "fill_drain", "util%", "DRAM_MB",
                 "energy_uJ");
  if (terms) {
    fmt::format_to(line, " {:>12} {:>12} {:>8} {:>10} {:>8}", "scalesim_cyc", "mpsim_comp", "skew/fold",
                   "overlap", "fill");
  }
  out += '\n';
  for (const OpStats& op : r.ops) {
    fmt::format_to(line, "{:<{}} {:<10} {:>8} {:>6} {:>6} {:>7} {:>12} {:>10} {:>10} {:>6.1f} {:>9.3f} {:>10.3f}",
                   op.name, width, phase_name(op.phase), op.m, op.n, op.k, op.row_folds * op.col_folds,
                   op.total_cycles, op.stall_memory_cycles, op.stall_fill_drain_cycles, 100 * op.pe_utilization,
                   static_cast<double>(dram_bytes(op)) / kMB, op.energy.total_pj() / kUj);
    if (terms) {
      fmt::format_to(line, " {:>12} {:>12} {:>8} {:>10} {:>8}", op.modes.scalesim_cycles,
                     op.modes.mpsim_compute_cycles, op.modes.skew_per_fold, op.modes.overlap_cycles,
                     op.modes.fill_cycles);
    }
    out += '\n';
  }
  return out;
}

std::string summary_text(const sim::SimResult& r, const sim::HwConfig& hw, const RunInfo& info) {
  const StepStats& s = r.step;
  const auto mb = [](std::int64_t bytes) { return static_cast<double>(bytes) / kMB; };
  std::string out;
  auto add = [&out](const std::string& key, const std::string& value) { out += fmt::format("{:<10} {}\n", key, value); };
  add("hw", fmt::format("{} ({}): {}x{} {}, {} MHz", hw.name, info.hw_path, hw.array.rows, hw.array.cols,
                        sim::dataflow_name(hw.array.dataflow), hw.clock_mhz));
  std::string workload = fmt::format("{}: {} ops, {} MACs", info.workload_path, s.ops, s.macs);
  if (info.topology) {
    workload += fmt::format(" ({}, batch {}, conv output {})", info.training ? "training step" : "forward",
                            info.batch, info.conv_output);
  }
  add("workload", workload);
  if (!info.formats.empty()) add("formats", info.formats);
  add("timing", fmt::format("{} timing, {} engine", info.timing, info.engine));
  add("cycles", fmt::format("{} = compute {} + memory stall {} + fill/drain {}", s.total_cycles, s.compute_cycles,
                            s.stall_memory_cycles, s.stall_fill_drain_cycles));
  add("", fmt::format("(scalesim closed form: {} cycles)", s.scalesim_cycles));
  add("time", fmt::format("{:.6g} ms at {} MHz", s.time_s * 1e3, hw.clock_mhz));
  add("PE util", fmt::format("{:.2f}%", 100 * s.pe_utilization));
  add("SRAM", fmt::format("A read {:.3f} MB, B read {:.3f} MB, C read {:.3f} MB / written {:.3f} MB",
                          mb(s.sram_a.read_bytes), mb(s.sram_b.read_bytes), mb(s.sram_c.read_bytes),
                          mb(s.sram_c.write_bytes)));
  add("DRAM", fmt::format("read {:.3f} MB, written {:.3f} MB, {:.2f} GB/s achieved", mb(s.dram_read_bytes),
                          mb(s.dram_write_bytes), s.dram_gbps));
  add("energy", fmt::format("{:.3f} uJ = MAC {:.3f} + SRAM {:.3f} + DRAM {:.3f} + static {:.3f}",
                            s.energy.total_pj() / kUj, s.energy.mac_pj / kUj, s.energy.sram_pj / kUj,
                            s.energy.dram_pj / kUj, s.energy.static_pj / kUj));
  if (s.rtl_checked > 0) {
    add("rtl", fmt::format("{} outputs checked against model/'s dot(), {} mismatches", s.rtl_checked,
                           s.rtl_mismatches));
  }
  return out;
}

std::string ops_csv(const sim::SimResult& r) {
  std::string out =
      "name,layer,phase,M,N,K,macs,row_folds,col_folds,stream_length,lanes,total_cycles,compute_cycles,"
      "stall_memory_cycles,stall_fill_drain_cycles,pe_utilization,"
      "sram_a_read_bytes,sram_a_write_bytes,sram_b_read_bytes,sram_b_write_bytes,sram_c_read_bytes,"
      "sram_c_write_bytes,dram_read_bytes,dram_write_bytes,dram_gbps,"
      "mac_pj,sram_pj,dram_pj,static_pj,total_pj,time_s,"
      "scalesim_cycles,mpsim_compute_cycles,skew_per_fold,overlap_cycles,fill_cycles,rtl_checked,rtl_mismatches\n";
  auto line = std::back_inserter(out);
  for (const OpStats& op : r.ops) {
    // Names come from workload files; quote them when they could break the CSV.
    std::string name = op.name, layer = op.layer;
    for (std::string* s : {&name, &layer}) {
      if (s->find_first_of(",\"\n") != std::string::npos) {
        std::string q = "\"";
        for (char ch : *s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        *s = q + "\"";
      }
    }
    fmt::format_to(line, "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},", name, layer, phase_name(op.phase), op.m,
                   op.n, op.k, op.macs, op.row_folds, op.col_folds, op.stream_length, op.lanes, op.total_cycles,
                   op.compute_cycles, op.stall_memory_cycles, op.stall_fill_drain_cycles, op.pe_utilization);
    fmt::format_to(line, "{},{},{},{},{},{},{},{},{},", op.sram_a.read_bytes, op.sram_a.write_bytes,
                   op.sram_b.read_bytes, op.sram_b.write_bytes, op.sram_c.read_bytes, op.sram_c.write_bytes,
                   op.dram_read_bytes, op.dram_write_bytes, op.dram_gbps);
    fmt::format_to(line, "{},{},{},{},{},{},", op.energy.mac_pj, op.energy.sram_pj, op.energy.dram_pj,
                   op.energy.static_pj, op.energy.total_pj(), op.time_s);
    fmt::format_to(line, "{},{},{},{},{},{},{}\n", op.modes.scalesim_cycles, op.modes.mpsim_compute_cycles,
                   op.modes.skew_per_fold, op.modes.overlap_cycles, op.modes.fill_cycles, op.rtl_checked,
                   op.rtl_mismatches);
  }
  return out;
}

std::string summary_json(const sim::SimResult& r, const sim::HwConfig& hw, const RunInfo& info) {
  const StepStats& s = r.step;
  ordered_json run = {{"hw_file", info.hw_path},   {"workload_file", info.workload_path},
                      {"energy_file", info.energy_path}, {"engine", info.engine},
                      {"timing", info.timing}};
  if (info.topology) {
    run["conv_output"] = info.conv_output;
    run["training"] = info.training;
    run["batch"] = info.batch;
  }
  if (!info.formats.empty()) run["formats"] = info.formats;
  ordered_json dram = ordered_json::array();
  for (const sim::DramTraffic& d : s.dram) {
    dram.push_back({{"tensor", d.tensor},
                    {"role", role_name(d.role)},
                    {"format", format_name(d.format)},
                    {"read_bytes", d.read_bytes},
                    {"write_bytes", d.write_bytes}});
  }
  const ordered_json hw_json = {{"name", hw.name},
                                {"rows", hw.array.rows},
                                {"cols", hw.array.cols},
                                {"dataflow", sim::dataflow_name(hw.array.dataflow)},
                                {"clock_mhz", hw.clock_mhz}};
  const ordered_json step = {{"ops", s.ops},
                             {"macs", s.macs},
                             {"total_cycles", s.total_cycles},
                             {"compute_cycles", s.compute_cycles},
                             {"stall_memory_cycles", s.stall_memory_cycles},
                             {"stall_fill_drain_cycles", s.stall_fill_drain_cycles},
                             {"scalesim_cycles", s.scalesim_cycles},
                             {"pe_utilization", s.pe_utilization},
                             {"time_s", s.time_s},
                             {"sram_a", sram_json(s.sram_a)},
                             {"sram_b", sram_json(s.sram_b)},
                             {"sram_c", sram_json(s.sram_c)},
                             {"dram_read_bytes", s.dram_read_bytes},
                             {"dram_write_bytes", s.dram_write_bytes},
                             {"dram_gbps", s.dram_gbps},
                             {"energy", energy_json(s.energy)},
                             {"dram_by_tensor", dram},
                             {"rtl_checked", s.rtl_checked},
                             {"rtl_mismatches", s.rtl_mismatches}};
  return ordered_json{{"run", run}, {"hw", hw_json}, {"step", step}}.dump(2) + "\n";
}

}  // namespace mpsim::cli
