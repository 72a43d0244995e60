// Real GEMM tiles from one training step, as `mpsim verify` feeds them to every path: the
// operands exactly as the precision assignment left them (PrecisionContext's gemm observer), in
// the formats their values lie in, with the assignment's accumulator.
//
// A tile is rows x cols outputs of one GEMM C = op(A) op(B) (rows, cols up to the array's R, C)
// over a window of k consecutive reduction indices, cut from op(A) [M, K] and op(B) [K, N]
// after the transposes (so a bwd_weight tile's A row is a column of the stored dy).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/config/train_config.hpp"
#include "host/data/dataset.hpp"
#include "kernels/backend.hpp"
#include "model/mac.hpp"
#include "model/workload.hpp"

namespace mpsim::host::verify {

struct VerifyTile {
  std::string gemm;        // "<layer>.<phase>", e.g. "conv2.bwd_data"
  Phase phase = Phase::fwd;
  MacFormats formats;      // A's and B's value formats, the accumulator
  int rows = 0, cols = 0, k = 0;
  std::int64_t row0 = 0, col0 = 0, k0 = 0;  // where the window starts in op(A) op(B)
  std::vector<std::uint32_t> a;  // [rows][k] codes of formats.a
  std::vector<std::uint32_t> b;  // [k][cols] codes of formats.b
};

struct TileShape {
  int rows = 4, cols = 4;  // the array's R and C
  int k = 32;              // window depth (less where the GEMM's K is smaller)
  int per_gemm = 2;        // tiles taken from each GEMM
  std::uint64_t seed = 1;  // where the windows are
};

struct StepTiles {
  std::vector<VerifyTile> tiles;
  int gemms = 0;           // GEMMs the step computed
  std::int64_t batch = 0;
};

// Builds the config's model and policy, runs one training step (forward, loss, backward; no
// update) on the first batch, and cuts tiles from every GEMM. The policy's own assignment is
// used even where it would first pre-train in fp32 (continuous16). Throws std::runtime_error if
// an operand value is not a value of the format gemm() says it lies in.
StepTiles capture_step_tiles(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend,
                             const TileShape& shape);

// The code of v in format f; v must be a value of f (NaN gives f's NaN code).
std::uint32_t code_of(float v, const FloatFormat& f);

}  // namespace mpsim::host::verify
