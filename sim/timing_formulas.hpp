// The closed forms sim/ is held to, as pure functions (tests call them directly).
//
// Mapping a GEMM C[M,N] = A[M,K] B[K,N] onto an R x C array (SCALE-Sim's Sr, Sc, T):
//
//   dataflow  array rows (Sr)  array cols (Sc)  streamed (T)   stationary in the PEs
//   os        M                N                K / lanes      C (accumulators)
//   ws        K / lanes        N                M              B block
//   is        K / lanes        M                N              A^T block
//
// folds = ceil(Sr / R) x ceil(Sc / C); every fold streams all of T. Lanes (MACs per PE per
// cycle for the operands' width) divide the reduction dimension K: a PE with L lanes consumes L
// k-values per beat.
//
// mpsim mode, output-stationary: the RTL's own timing (docs/RTL.md), one tile of depth K takes
//   T(R, C, K, P) = K + R + C + P
// cycles from first beat in to last row out, and back-to-back tiles every max(K, R, C), so n
// tiles streamed without a gap take (n - 1) max(K, R, C) + K + R + C + P.
// ws / is (not built in RTL; same pipeline, plus the stationary block's preload): the block
// shifts in over R cycles into shadow registers, so only the first preload of a run shows:
//   R + (n - 1) max(T, R, C) + T + R + C + P.
//
// scalesim mode (SCALE-Sim v2's compute-cycle convention): folds strictly serial, partial
// folds pay the full skew,
//   os fold:     T + R + C - 2          ws / is fold:  2R + C + T - 2
// and the reported total is the index of the last demand row: folds x fold - 1.
#pragma once

#include <algorithm>
#include <cstdint>

#include "sim/hw_config.hpp"

namespace mpsim::sim {

constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

struct FoldMapping {
  std::int64_t sr = 0, sc = 0, t = 0;  // the mapped extents (Sr, Sc after lanes; T)
  std::int64_t row_folds = 0, col_folds = 0;
  constexpr std::int64_t folds() const { return row_folds * col_folds; }
};

constexpr FoldMapping map_gemm(Dataflow df, int rows, int cols, int lanes, std::int64_t m, std::int64_t n,
                               std::int64_t k) {
  FoldMapping f;
  switch (df) {
    case Dataflow::os: f = {m, n, ceil_div(k, lanes), 0, 0}; break;
    case Dataflow::ws: f = {ceil_div(k, lanes), n, m, 0, 0}; break;
    case Dataflow::is: f = {ceil_div(k, lanes), m, n, 0, 0}; break;
  }
  f.row_folds = ceil_div(f.sr, rows);
  f.col_folds = ceil_div(f.sc, cols);
  return f;
}

// --- mpsim mode: the RTL's formulas --------------------------------------------------------
constexpr std::int64_t rtl_tile_cycles(std::int64_t rows, std::int64_t cols, std::int64_t k, std::int64_t pipe) {
  return k + rows + cols + pipe;
}
constexpr std::int64_t rtl_tile_interval(std::int64_t rows, std::int64_t cols, std::int64_t k) {
  return std::max({k, rows, cols});
}
// n tiles of depth k streamed back to back (n >= 1).
constexpr std::int64_t rtl_stream_cycles(std::int64_t n, std::int64_t rows, std::int64_t cols, std::int64_t k,
                                         std::int64_t pipe) {
  return (n - 1) * rtl_tile_interval(rows, cols, k) + rtl_tile_cycles(rows, cols, k, pipe);
}
// n folds of the dataflow streamed back to back: os is the RTL's stream, ws/is add the first
// stationary preload (R cycles).
constexpr std::int64_t mpsim_stream_cycles(Dataflow df, std::int64_t n, std::int64_t rows, std::int64_t cols,
                                           std::int64_t t, std::int64_t pipe) {
  return (df == Dataflow::os ? 0 : rows) + rtl_stream_cycles(n, rows, cols, t, pipe);
}
// The part of a stream that is fill, skew and drain rather than operands entering: what is
// left when every fold's own interval is taken out.
constexpr std::int64_t mpsim_fill_drain_cycles(Dataflow df, std::int64_t n, std::int64_t rows, std::int64_t cols,
                                               std::int64_t t, std::int64_t pipe) {
  return mpsim_stream_cycles(df, n, rows, cols, t, pipe) - n * t;
}

// --- scalesim mode ----------------------------------------------------------------------------
constexpr std::int64_t scalesim_fold_cycles(Dataflow df, std::int64_t rows, std::int64_t cols, std::int64_t t) {
  return df == Dataflow::os ? t + rows + cols - 2 : 2 * rows + cols + t - 2;
}
constexpr std::int64_t scalesim_op_cycles(Dataflow df, std::int64_t rows, std::int64_t cols, const FoldMapping& f) {
  return f.folds() * scalesim_fold_cycles(df, rows, cols, f.t) - 1;
}

}  // namespace mpsim::sim
