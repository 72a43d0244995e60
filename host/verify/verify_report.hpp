// Comparing the paths of `mpsim verify` and the table it prints: per path the tiles run, the
// outputs compared with model/'s dot() (result bits, and the IEEE flags where a path reports
// them: the Verilated C++ array), the mismatches, and for the RTL paths how many tiles
// took the cycles the SystemC model engine gives. Any mismatch or cycle disagreement fails the
// check, and the first mismatching output is shown with its operands in hex.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/verify/step_tiles.hpp"
#include "host/verify/verify_paths.hpp"

namespace mpsim::host::verify {

struct PathRow {
  std::string label;
  std::string skipped;        // the whole row is this text
  std::int64_t tiles = 0, outputs = 0, mismatches = 0;
  bool reference = false;     // golden: compared with nothing
  bool has_cycles = false;
  std::int64_t cycles_agree = 0, cycles_checked = 0;
  std::string note;           // tiles not run and why
};

struct VerifyOutcome {
  std::vector<PathRow> rows;
  std::string first_mismatch;   // "" when none
  std::string first_cycle_miss; // "" when none
  bool ok() const { return first_mismatch.empty() && first_cycle_miss.empty(); }
};

// runs[0] must be the golden path; every other path is compared with it.
VerifyOutcome compare_paths(const std::vector<VerifyTile>& tiles, const std::vector<PathRun>& runs);
std::string render_table(const VerifyOutcome& outcome);

// Test-only fault injection: flips bit 0 of the first output of the first tile path `key`
// computed (MPSIM_VERIFY_CORRUPT=key), so that the tests see a failing check fail.
void corrupt_first_output(std::vector<PathRun>& runs, const std::string& key);

}  // namespace mpsim::host::verify
