// The paths a verified tile goes through (issue 8, `mpsim verify`), each giving the tile's
// output codes in the accumulator format, to be compared bit for bit with model/'s dot():
//
//   golden    model/'s dot(): the definition (ascending k, one rounding per MAC)
//   cpu       kernels/ cpu backend, gemm_exact
//   cuda      kernels/ cuda backend, gemm_exact (where CUDA was built and a GPU is present)
//   rtl       rtl/'s mpsim_array_top Verilated as C++ (mpsim_rtl_array_cpp), one tile at a time
//   systemc   sim/'s rtl engine: the same RTL Verilated for SystemC, under the SystemC model
//
// The two RTL paths also give cycles, held to the SystemC model engine's for the same tile.
// A path that cannot run a tile (a format the RTL build lacks) says why for that tile; a path
// that cannot run at all (no GPU, no Verilator) says why for the whole row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/verify/step_tiles.hpp"

namespace mpsim::host::verify {

struct PathRun {
  std::string key;      // golden, cpu, cuda, rtl, systemc
  std::string label;    // the table's row name
  std::string skipped;  // non-empty: the path did not run at all, and why
  // Per tile: the output codes [rows][cols], or empty where the tile was not run (not_run says why).
  std::vector<std::vector<std::uint32_t>> outputs;
  std::vector<std::string> not_run;
  // Per tile the IEEE flags of each output (model/'s Flags bits, ORed over the MACs), where the
  // path computes them (golden, rtl); empty otherwise.
  std::vector<std::vector<std::uint32_t>> flags;
  // Cycle paths: per tile the cycles measured and what the SystemC model engine says they
  // must be (-1: not run).
  bool has_cycles = false;
  std::vector<std::int64_t> cycles, expected_cycles;
};

PathRun run_golden(const std::vector<VerifyTile>& tiles);
// The gemm_exact of one backend ("cpu" or "cuda"); a backend that cannot be made is `skipped`.
PathRun run_backend(const std::vector<VerifyTile>& tiles, const std::string& device);
// The SystemC rtl engine, one op per tile, and the model engine on the same ops: the rtl
// engine's op cycles must equal the model engine's. energy_table: a table that prices the RTL
// formats (simulate() needs one).
PathRun run_systemc(const std::vector<VerifyTile>& tiles, const std::string& energy_table);
// The plain Verilated array, one tile at a time; its measured tile cycles must be the model
// engine's op cycles (from run_systemc's expected_cycles) less the configuration cycle, or
// T(R, C, K, P) of sim/timing_formulas.hpp where the SystemC path did not run.
// `n/a: built without Verilator` where it was not built.
PathRun run_rtl_cpp(const std::vector<VerifyTile>& tiles, std::uint64_t seed,
                    const std::vector<std::int64_t>& model_engine_cycles);

// Why the RTL builds cannot run a tile, or "" when they can.
std::string rtl_unsupported(const VerifyTile& tile);
bool have_verilator();
// The array size the RTL builds have ({4, 4}); {4, 4} also without Verilator, so that tiles
// have the same shape in every build.
int rtl_rows();
int rtl_cols();

}  // namespace mpsim::host::verify
