// Checkpoints: a versioned binary file written atomically (model/atomic_file.hpp: temporary file,
// fsync, rename, fsync of the directory), so a crash leaves the previous checkpoint intact.
//
// Layout (little-endian):
//   "MPSIMCKP"  u32 version (1)  u32 section count
//   per section: u32 tag, u64 payload bytes, payload, u32 CRC-32 of the payload (zlib's)
//   u32 CRC-32 of everything before it
// Sections (all required): fingerprint (model, data and registry must match on resume), run
// state and metrics, tensors (per parameter: master, working copy, optimizer state), BN
// running statistics, loss scaler, assignment, policy state.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/precision/assignment.hpp"
#include "host/precision/loss_scaler.hpp"
#include "host/train/run_state.hpp"

namespace mpsim::host::train {

// A missing, truncated, corrupted or mismatched checkpoint; what() is one line naming the file.
struct CheckpointError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Checkpoint {
  std::string fingerprint;                   // config and registry summary
  RunState state;
  std::vector<std::vector<float>> tensors;   // per parameter: master, weight, state... (fixed order)
  std::vector<std::vector<float>> bn_stats;  // per BN layer: running mean then running var
  LossScalerState scaler;
  Assignment assignment;
  std::vector<double> policy_state;
};

void write_checkpoint(const std::string& path, const Checkpoint& c);
Checkpoint read_checkpoint(const std::string& path);
// The same from the file's bytes; `path` names them in errors.
Checkpoint parse_checkpoint(const std::string& bytes, const std::string& path);

}  // namespace mpsim::host::train
