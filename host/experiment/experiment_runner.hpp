// Runs the points of an experiment (issue 8): for every (assignment, seed) this process owns
// (MpiContext::owns), train with that assignment (or reuse the point's cached result when its
// key, the hash of everything that determines it, is unchanged), take the Workload of one
// training step with the assignment's formats, and simulate it on every hw config.
//
// Layout under the experiment's out directory:
//   points/<label>-seed<seed>/key          the point's key, written before training starts
//   points/<label>-seed<seed>/train/       mpsim train's outputs and checkpoint (resumable)
//   points/<label>-seed<seed>/workload.jsonl   one training step's GEMMs
//   points/<label>-seed<seed>/point.json   the finished result (PointResult); its presence with
//                                          the same key is what "cached" means
#pragma once

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/config/experiment_config.hpp"
#include "host/experiment/mpi_context.hpp"
#include "host/experiment/point_result.hpp"

namespace mpsim::host {

struct ExperimentRunOptions {
  std::string default_energy_table;  // for hw configs that name none
  bool progress_bar = false;         // the training's live bar (a TTY)
  std::FILE* log = nullptr;          // one line per finished point; nullptr: silent
  bool force = false;                // ignore cached results
  // Polled before every point and every training step; true stops the run there by throwing
  // ExperimentInterrupted. Empty: never.
  std::function<bool()> interrupted;
};

// The run stopped at a safe point: every finished point's files (point.json and the rest) are
// complete, and the point in progress keeps its last epoch's checkpoint, so running the same
// command again reuses the former and resumes the latter.
struct ExperimentInterrupted : std::runtime_error {
  ExperimentInterrupted(std::size_t done, std::size_t total)
      : std::runtime_error("interrupted"), points_done(done), points_owned(total) {}
  std::size_t points_done, points_owned;  // of this rank
};

// The key of one point: FNV-1a 64 of the mpsim version, the merged training YAML (policy
// included), the seed and the backend, in hex.
std::string point_key(const ExperimentAssignment& assignment, std::uint64_t seed, const std::string& backend);
std::string point_dir(const std::string& out, const ExperimentAssignment& assignment, std::uint64_t seed);

// The points this rank owns, in experiment order (assignment-major, then seed).
std::vector<PointResult> run_experiment_points(const ExperimentConfig& config, const MpiContext& mpi,
                                               const ExperimentRunOptions& options);

}  // namespace mpsim::host
