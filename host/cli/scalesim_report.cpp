// SCALE-Sim v2's three report files from a SimResult. Column by column (SCALE-Sim's "ifmap" is
// operand A, "filter" B, "ofmap" C; a "word" is an element, whatever its format):
//
// COMPUTE_REPORT.csv
//   Total Cycles            OpStats::total_cycles (compute + stalls)
//   Stall Cycles            stall_memory_cycles (SCALE-Sim's stalls are memory stalls)
//   Overall Util %          100 x MACs / (R x C x lanes x Total Cycles): SCALE-Sim's definition,
//                           lanes = 1 there
//   Mapping Efficiency %    SCALE-Sim's mean over folds of used PEs / (R x C); every fold weighs
//                           the same, so it is 100 x Sr x Sc / (folds x R x C)
//   Compute Util %          scalesim timing: SCALE-Sim's mean over folds of used PEs x T /
//                           (R x C x fold cycles); mpsim timing: 100 x MACs / (R x C x lanes x
//                           (Total Cycles - Stall Cycles)), the same idea on mpsim's cycles
// BANDWIDTH_REPORT.csv      words per cycle over the op's Total Cycles
//   SRAM: array reads of A and B, array writes of C. DRAM: reads of A and B, writes of C, in
//   words (bytes / element bytes). SCALE-Sim divides DRAM words by each stream's own active
//   window (first to last access); mpsim keeps no per-stream window and uses the op's cycles.
// DETAILED_ACCESS_REPORT.csv
//   Reads and writes as above, in words. Start and stop cycles: every stream is given the op's
//   window, 0 to Total Cycles - 1 (each SCALE-Sim layer also starts at cycle 0).
#include "host/cli/scalesim_report.hpp"

#include <iterator>
#include <string>

#include <fmt/core.h>
#include <fmt/format.h>

#include "sim/timing_formulas.hpp"

namespace mpsim::cli {
namespace {

using sim::OpStats;

// Python's str(float), which SCALE-Sim writes: shortest round-trip digits, always with a
// decimal point or exponent ("100.0", not "100").
std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// Words of `tensor` read from / written to DRAM by this op.
struct DramWords {
  std::int64_t read = 0, write = 0;
};
DramWords dram_words(const OpStats& op, const TensorRef& t) {
  DramWords w;
  for (const sim::DramTraffic& d : op.dram) {
    if (d.tensor != t.name || !(d.format == t.format)) continue;
    w.read += d.read_bytes / sim::element_bytes(d.format);
    w.write += d.write_bytes / sim::element_bytes(d.format);
  }
  return w;
}

struct Row {
  std::string compute, bandwidth, detail;
};

Row report_row(std::size_t id, const OpStats& op, const GemmOp& g, const sim::HwConfig& hw, sim::TimingMode timing) {
  const sim::Dataflow df = hw.array.dataflow;
  const std::int64_t rows = hw.array.rows, cols = hw.array.cols;
  const sim::FoldMapping f = sim::map_gemm(df, hw.array.rows, hw.array.cols, op.lanes, op.m, op.n, op.k);
  const double pes = static_cast<double>(rows * cols);
  const double total = static_cast<double>(op.total_cycles);
  const double mapping = 100.0 * static_cast<double>(f.sr) * static_cast<double>(f.sc) /
                         (static_cast<double>(f.folds()) * pes);
  const double compute_util =
      timing == sim::TimingMode::scalesim
          ? mapping * static_cast<double>(f.t) / static_cast<double>(sim::scalesim_fold_cycles(df, rows, cols, f.t))
          : 100.0 * static_cast<double>(op.macs) /
                (pes * op.lanes * static_cast<double>(op.total_cycles - op.stall_memory_cycles));
  const DramWords a = dram_words(op, g.a), b = dram_words(op, g.b), c = dram_words(op, g.c);
  const std::int64_t stop = op.total_cycles - 1;
  const auto per_cycle = [total](std::int64_t words) { return py_float(static_cast<double>(words) / total); };

  Row r;
  r.compute = fmt::format("{}, {}, {}, {}, {}, {},\n", id, op.total_cycles, op.stall_memory_cycles,
                          py_float(100.0 * op.pe_utilization), py_float(mapping), py_float(compute_util));
  r.bandwidth = fmt::format("{}, {}, {}, {}, {}, {}, {},\n", id, per_cycle(op.sram_a.read_elements),
                            per_cycle(op.sram_b.read_elements), per_cycle(op.sram_c.write_elements),
                            per_cycle(a.read), per_cycle(b.read), per_cycle(c.write));
  r.detail = fmt::format("{}, 0, {}, {}, 0, {}, {}, 0, {}, {}, 0, {}, {}, 0, {}, {}, 0, {}, {},\n", id, stop,
                         op.sram_a.read_elements, stop, op.sram_b.read_elements, stop, op.sram_c.write_elements,
                         stop, a.read, stop, b.read, stop, c.write);
  return r;
}

}  // namespace

std::vector<OutputFile> scalesim_reports(const sim::SimResult& r, const Workload& w, const sim::HwConfig& hw) {
  // The headers exactly as SCALE-Sim v2 writes them.
  std::vector<OutputFile> files = {
      {"COMPUTE_REPORT.csv",
       "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"},
      {"BANDWIDTH_REPORT.csv",
       "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, "
       "Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n"},
      {"DETAILED_ACCESS_REPORT.csv",
       "LayerID, "
       "SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, "
       "SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, "
       "SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, "
       "DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, "
       "DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, "
       "DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n"},
  };
  for (std::size_t i = 0; i < r.ops.size() && i < w.ops.size(); ++i) {
    const Row row = report_row(i, r.ops[i], w.ops[i], hw, r.timing);
    files[0].contents += row.compute;
    files[1].contents += row.bandwidth;
    files[2].contents += row.detail;
  }
  return files;
}

}  // namespace mpsim::cli
