// The tiler: how one GemmOp runs on the array and its buffers (docs/SIM.md "Tiling"). Pure
// C++, no SystemC: the controller (sim/controller.hpp) replays the plan in simulated time, and
// tests check the plan's traffic against the closed forms.
//
// Loop order and what stays on chip (Sr, Sc, T as in sim/timing_formulas.hpp; "fits" means
// the bytes fit one tile's share of the buffer, half of it when double buffered):
//
//   os  for each block of row folds (as many A panels of R x K as fit buffer A: `block`), for
//       each col fold j (C cols of N), for each row fold i of the block: stream K.
//       A is loaded once (panel by panel) if one panel fits, else streamed again for every j.
//       B (K x N) is loaded once if all of it fits; else B panel j (K x C) once per block if it
//       fits (reused by the block's row folds), else streamed for every fold.
//       C leaves once: R x C results per fold.
//   ws  for each block of col folds (as many C blocks of M x C accumulators as fit buffer C),
//       for each row fold i (R x lanes k-values), for each col fold j of the block: preload B
//       block (i, j), stream all M rows of A's k-slice i.
//       B is read once (block by block). A (M x K) is loaded once if it fits; else its k-slice
//       i (M x R) once per block if it fits, else streamed for every fold. The partial sums of
//       C stay in buffer C across i when one C block fits; else they spill: written after every
//       i but the last and read back before every i but the first.
//   is  as ws with A and B swapped: preload A^T block (i, j) (k-slice i of M-block j), stream
//       B's k-slice i (all N columns); C block j is C rows of M x N.
//
// So DRAM bytes are the compulsory ones (A, B, C once each) exactly when every operand fits,
// and grow by the re-streamed panels and spilled partial sums when one does not.
// A panel too large for the buffer is streamed through it in chunks, each a group of its own.
#pragma once

#include <cstdint>
#include <vector>

#include "model/workload.hpp"
#include "sim/hw_config.hpp"
#include "sim/sim_stats.hpp"
#include "sim/timing_formulas.hpp"

namespace mpsim::sim {

// A run of array work the controller issues as one unit: its loads must be in SRAM before it
// starts, the array then streams for `array_cycles`, and `store_c` bytes leave afterwards.
struct TileGroup {
  std::int64_t array_cycles = 0;  // back-to-back streaming (fold intervals, SRAM port limit included)
  std::int64_t load_a = 0, load_b = 0, load_c = 0;  // DRAM -> SRAM bytes (load_c: spilled partial sums)
  std::int64_t store_c = 0;                          // SRAM -> DRAM bytes
  std::int64_t first_fold = 0, folds = 0;            // whole folds that end in this group
};

struct OpPlan {
  Dataflow dataflow = Dataflow::os;
  TimingMode timing = TimingMode::mpsim;
  int rows = 0, cols = 0, pipe = 0, lanes = 1;
  FoldMapping map;
  std::int64_t interval = 0;   // mpsim: cycles per fold back to back, max(T, R, C); scalesim: fold cycles
  double sram_slowdown = 1.0;  // >= 1: the SRAM ports' bytes per cycle bind (mpsim mode only)
  // Cycles around the groups. head: before the first group (mpsim: the configuration transfer,
  // 1 cycle as in docs/RTL.md, plus the first stationary preload, R, for ws/is). drain: after a
  // group's last interval until its results are out (mpsim: tile - interval, the last fold's
  // skew, pipeline and drain; scalesim: 0, the fold formula holds it). adjust: added to the
  // reported total (scalesim: -1, the index of the last demand row).
  std::int64_t head = 0, drain = 0, adjust = 0;
  std::vector<TileGroup> groups;

  // Folds per block (os: row folds sharing a B panel; ws/is: col folds sharing a U slice).
  // Folds run in block order; fold_coords maps the n-th fold run to its (row, col) fold.
  std::int64_t block = 1;
  struct Coords {
    std::int64_t i = 0, j = 0;
  };
  Coords fold_coords(std::int64_t n) const;

  bool a_resident = false, b_resident = false, c_resident = false;  // what fit on chip
  std::int64_t dram_read_a = 0, dram_read_b = 0, dram_read_c = 0, dram_write_c = 0;
  SramTraffic sram_a, sram_b, sram_c;

  // head + groups + drain + adjust: the op's cycles when memory never stalls it.
  std::int64_t array_cycles() const;
};

// The width class, lanes and accumulator the op runs with.
int op_lanes(const GemmOp& op, const HwConfig& hw);

OpPlan plan_op(const GemmOp& op, const HwConfig& hw, TimingMode timing);

}  // namespace mpsim::sim
