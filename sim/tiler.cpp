#include "sim/tiler.hpp"

#include <algorithm>
#include <cmath>

namespace mpsim::sim {

namespace {

// Part c of `total` split into `parts` near-equal integers that sum to it exactly.
std::int64_t share(std::int64_t total, std::int64_t parts, std::int64_t c) {
  return (c + 1) * total / parts - c * total / parts;
}

struct Loads {
  std::int64_t a = 0, b = 0, c = 0;
};

class PlanBuilder {
 public:
  explicit PlanBuilder(OpPlan& plan) : p_(plan) {}

  // One fold, split into `chunks` groups: `once` loads go with the first chunk, `streamed`
  // loads and the stores spread over all of them.
  void fold(std::int64_t index, std::int64_t chunks, std::int64_t cycles, Loads once, Loads streamed,
            std::int64_t store) {
    for (std::int64_t c = 0; c < chunks; ++c) {
      TileGroup g;
      g.array_cycles = share(cycles, chunks, c);
      g.load_a = share(streamed.a, chunks, c) + (c == 0 ? once.a : 0);
      g.load_b = share(streamed.b, chunks, c) + (c == 0 ? once.b : 0);
      g.load_c = share(streamed.c, chunks, c) + (c == 0 ? once.c : 0);
      g.store_c = share(store, chunks, c);
      g.first_fold = index;
      g.folds = c + 1 == chunks ? 1 : 0;
      add(g);
    }
  }

 private:
  // A group that needs nothing loaded joins the one before it: the array streams on without a
  // gap, and the controller has one unit of work fewer.
  void add(const TileGroup& g) {
    if (!p_.groups.empty() && g.load_a == 0 && g.load_b == 0 && g.load_c == 0) {
      TileGroup& last = p_.groups.back();
      last.array_cycles += g.array_cycles;
      last.store_c += g.store_c;
      last.folds += g.folds;
      return;
    }
    p_.groups.push_back(g);
  }
  OpPlan& p_;
};

void add_sram(SramTraffic& s, std::int64_t read_elements, std::int64_t write_elements, std::int64_t bytes) {
  s.read_elements += read_elements;
  s.write_elements += write_elements;
  s.read_bytes += read_elements * bytes;
  s.write_bytes += write_elements * bytes;
}

}  // namespace

OpPlan::Coords OpPlan::fold_coords(std::int64_t n) const {
  // Blocks along the outer dimension (os: row folds, ws/is: col folds), the last maybe short;
  // within a block the other dimension is outer.
  const bool os = dataflow == Dataflow::os;
  const std::int64_t outer = os ? map.row_folds : map.col_folds, inner = os ? map.col_folds : map.row_folds;
  const std::int64_t first = n / (block * inner) * block;
  const std::int64_t size = std::min(block, outer - first);
  const std::int64_t rem = n - first * inner;
  const std::int64_t along = first + rem % size, across = rem / size;
  return os ? Coords{along, across} : Coords{across, along};
}

std::int64_t OpPlan::array_cycles() const {
  std::int64_t sum = head + drain + adjust;
  for (const TileGroup& g : groups) sum += g.array_cycles;
  return sum;
}

int op_lanes(const GemmOp& op, const HwConfig& hw) { return hw.array.lanes[width_class(op.a.format, op.b.format)]; }

OpPlan plan_op(const GemmOp& op, const HwConfig& hw, TimingMode timing) {
  OpPlan p;
  p.dataflow = hw.array.dataflow;
  p.timing = timing;
  p.rows = hw.array.rows;
  p.cols = hw.array.cols;
  p.pipe = hw.array.mac_latency;
  p.lanes = op_lanes(op, hw);
  const std::int64_t R = p.rows, C = p.cols, L = p.lanes;
  const std::int64_t M = op.m, N = op.n, K = op.k;
  p.map = map_gemm(p.dataflow, p.rows, p.cols, p.lanes, M, N, K);
  const FoldMapping& f = p.map;
  const std::int64_t T = f.t;
  const std::int64_t bA = element_bytes(op.a.format), bB = element_bytes(op.b.format);
  const std::int64_t bC = element_bytes(op.c.format), bAcc = element_bytes(op.accumulator);
  const std::int64_t capA = hw.sram_a.tile_capacity_bytes(), capB = hw.sram_b.tile_capacity_bytes();
  const std::int64_t capC = hw.sram_c.tile_capacity_bytes();
  const auto rows_in = [&](std::int64_t i) { return std::min(R, f.sr - i * R); };
  const auto cols_in = [&](std::int64_t j) { return std::min(C, f.sc - j * C); };
  // k-values held by row fold i of ws/is (each PE row holds `lanes` of them).
  const auto k_in = [&](std::int64_t i) { return std::min(R * L, K - i * R * L); };

  // Bytes per cycle each buffer must deliver to keep the array streaming (mpsim only: SCALE-Sim
  // does not model SRAM ports).
  double need_a = 0, need_b = 0, need_c = 0;
  const double interval0 = static_cast<double>(std::max({T, R, C}));
  switch (p.dataflow) {
    case Dataflow::os:
      need_a = static_cast<double>(R * L * bA);
      need_b = static_cast<double>(C * L * bB);
      need_c = static_cast<double>(R * C * bC) / interval0;
      break;
    case Dataflow::ws:
      need_a = static_cast<double>(R * L * bA);
      need_b = static_cast<double>(R * L * C * bB) / interval0;
      need_c = static_cast<double>(C * bAcc * (f.row_folds > 1 ? 2 : 1));
      break;
    case Dataflow::is:
      need_b = static_cast<double>(R * L * bB);
      need_a = static_cast<double>(R * L * C * bA) / interval0;
      need_c = static_cast<double>(C * bAcc * (f.row_folds > 1 ? 2 : 1));
      break;
  }
  if (timing == TimingMode::mpsim) {
    p.sram_slowdown = std::max({1.0, need_a / hw.sram_a.bytes_per_cycle, need_b / hw.sram_b.bytes_per_cycle,
                                need_c / hw.sram_c.bytes_per_cycle});
    const auto streamed = static_cast<std::int64_t>(std::ceil(static_cast<double>(T) * p.sram_slowdown - 1e-9));
    p.interval = std::max({streamed, R, C});
    p.head = 1 + (p.dataflow == Dataflow::os ? 0 : R);
    p.drain = rtl_tile_cycles(R, C, T, p.pipe) - rtl_tile_interval(R, C, T);
  } else {
    p.interval = scalesim_fold_cycles(p.dataflow, R, C, T);
    p.adjust = -1;
  }

  PlanBuilder build(p);
  if (p.dataflow == Dataflow::os) {
    p.a_resident = R * K * bA <= capA;
    p.b_resident = K * N * bB <= capB;
    const bool b_panel_fits = K * C * bB <= capB;
    p.c_resident = true;  // results leave fold by fold
    p.block = p.a_resident ? std::max<std::int64_t>(1, capA / (R * K * bA)) : 1;
    const std::int64_t chunks = std::max(p.a_resident ? 1 : ceil_div(R * K * bA, capA),
                                         b_panel_fits ? 1 : ceil_div(K * C * bB, capB));
    std::int64_t run = 0;
    for (std::int64_t i0 = 0; i0 < f.row_folds; i0 += p.block) {
      const std::int64_t i_end = std::min(f.row_folds, i0 + p.block);
      for (std::int64_t j = 0; j < f.col_folds; ++j) {
        for (std::int64_t i = i0; i < i_end; ++i) {
          Loads once, streamed;
          const std::int64_t a_panel = rows_in(i) * K * bA, b_panel = K * cols_in(j) * bB;
          if (p.a_resident) once.a = j == 0 ? a_panel : 0;
          else streamed.a = a_panel;
          if (p.b_resident) once.b = i0 == 0 && i == i0 ? b_panel : 0;
          else if (b_panel_fits) once.b = i == i0 ? b_panel : 0;
          else streamed.b = b_panel;
          build.fold(run++, chunks, p.interval, once, streamed, rows_in(i) * cols_in(j) * bC);
        }
      }
    }
    p.dram_read_a = M * K * bA * (p.a_resident ? 1 : f.col_folds);
    p.dram_read_b = K * N * bB * (p.b_resident ? 1 : b_panel_fits ? ceil_div(f.row_folds, p.block) : f.row_folds);
    p.dram_write_c = M * N * bC;
    add_sram(p.sram_a, M * K * f.col_folds, p.dram_read_a / bA, bA);
    add_sram(p.sram_b, K * N * f.row_folds, p.dram_read_b / bB, bB);
    add_sram(p.sram_c, M * N, M * N, bC);
  } else {
    // ws: stationary S = B, streamed U = A (T = M rows); is: S = A^T, U = B (T = N columns).
    const bool ws = p.dataflow == Dataflow::ws;
    const std::int64_t bS = ws ? bB : bA, bU = ws ? bA : bB, capU = ws ? capA : capB;
    const std::int64_t u_total = M * K * (ws ? bA : 0) + K * N * (ws ? 0 : bB);
    const bool u_resident = u_total <= capU;
    const bool u_slice_fits = T * R * L * bU <= capU;
    const bool o_resident = T * C * bAcc <= capC;
    (ws ? p.a_resident : p.b_resident) = u_resident;
    (ws ? p.b_resident : p.a_resident) = true;  // each stationary block is read once
    p.c_resident = o_resident;
    p.block = o_resident ? std::max<std::int64_t>(1, capC / (T * C * bAcc)) : 1;
    const std::int64_t chunks = std::max(u_slice_fits ? 1 : ceil_div(T * R * L * bU, capU),
                                         o_resident ? 1 : ceil_div(T * C * bAcc, capC));
    const std::int64_t last_i = f.row_folds - 1;
    std::int64_t run = 0;
    for (std::int64_t j0 = 0; j0 < f.col_folds; j0 += p.block) {
      const std::int64_t j_end = std::min(f.col_folds, j0 + p.block);
      for (std::int64_t i = 0; i < f.row_folds; ++i) {
        for (std::int64_t j = j0; j < j_end; ++j) {
          Loads once, streamed;
          const std::int64_t s_block = k_in(i) * cols_in(j) * bS, u_slice = T * k_in(i) * bU;
          (ws ? once.b : once.a) = s_block;
          std::int64_t& u_once = ws ? once.a : once.b;
          if (u_resident) u_once = j0 == 0 && j == j0 ? u_slice : 0;
          else if (u_slice_fits) u_once = j == j0 ? u_slice : 0;
          else (ws ? streamed.a : streamed.b) = u_slice;
          std::int64_t store = 0;
          if (o_resident) {
            store = i == last_i ? T * cols_in(j) * bC : 0;
          } else {
            streamed.c = i > 0 ? T * cols_in(j) * bAcc : 0;
            store = T * cols_in(j) * (i == last_i ? bC : bAcc);
          }
          build.fold(run++, chunks, p.interval, once, streamed, store);
        }
      }
    }
    const std::int64_t u_reads = u_resident ? 1 : u_slice_fits ? ceil_div(f.col_folds, p.block) : f.col_folds;
    const std::int64_t spills = o_resident ? 0 : f.row_folds - 1;
    if (ws) {
      p.dram_read_a = M * K * bA * u_reads;
      p.dram_read_b = K * N * bB;
      add_sram(p.sram_a, M * K * f.col_folds, p.dram_read_a / bA, bA);
      add_sram(p.sram_b, K * N, K * N, bB);
    } else {
      p.dram_read_a = M * K * bA;
      p.dram_read_b = K * N * bB * u_reads;
      add_sram(p.sram_a, M * K, M * K, bA);
      add_sram(p.sram_b, K * N * f.col_folds, p.dram_read_b / bB, bB);
    }
    p.dram_read_c = M * N * bAcc * spills;
    p.dram_write_c = M * N * (bC + bAcc * spills);
    // Buffer C: the array writes a partial sum per row fold (the last one in C's format) and
    // reads one back for every fold after the first; the DMA drains results and spills and
    // writes spilled partial sums back.
    add_sram(p.sram_c, M * N * (f.row_folds - 1), M * N * (f.row_folds - 1), bAcc);
    add_sram(p.sram_c, M * N, M * N, bC);  // final results in, and out to DRAM
    add_sram(p.sram_c, M * N * spills, M * N * spills, bAcc);
  }
  return p;
}

}  // namespace mpsim::sim
