// Import of SCALE-Sim topology CSV files into a Workload, so users bring the workloads they
// already have (issue 5). Two forms, told apart by the header line, as SCALE-Sim v2 writes them
// (scalesim/topology_utils.py; every row ends in a comma):
//
//   conv:  Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
//          Conv1,224,224,7,7,3,64,2,
//   GEMM:  Layer, M, N, K,
//          fc1, 256, 128, 512,
//
// Conv rows are lowered with im2col (model/conv_gemm_shapes.hpp); a GEMM row is a Linear layer
// x[M, K] W[K, N]. With `training` each row yields fwd, bwd_data and bwd_weight GEMMs: forward
// in file order, then backward in reverse layer order (bwd_data before bwd_weight), as a training
// step runs. The first layer's bwd_data is kept although a framework skips it (no gradient of the
// input image is needed), because SCALE-Sim users' hand-written *_input_grad.csv files keep it.
//
// Where the importer is more lenient than SCALE-Sim, and where it differs:
// - A ninth column headed "Stride width" (SCALE-Sim's own write_topo_file) is the column stride;
//   otherwise `Strides` is used for both directions. Further columns are annotations and ignored
//   (SCALE-Sim's Resnet50.csv carries Eh, Ew, e2 there). Lines of only commas are skipped.
// - SCALE-Sim splits a layer whose name contains "DP" into one depthwise conv per channel; here
//   every conv row is a dense conv.
// - `batch` multiplies M (output positions of a conv, rows of a GEMM); SCALE-Sim has no batch.
#pragma once

#include <cstdint>
#include <istream>
#include <stdexcept>
#include <string>

#include "model/workload.hpp"

namespace mpsim::sim {

// Output size of a conv row with input H, filter F, stride S (same for the width).
enum class ConvOutput : std::uint8_t {
  scalesim,  // SCALE-Sim v2: ceil((H - F + S) / S) on the unpadded input of the file
  valid,     // PyTorch padding=0: floor((H - F) / S) + 1 (the file's input is taken as already padded)
  same,      // PyTorch padding=F/2, as torchvision's ResNets: floor((H + 2*(F/2) - F) / S) + 1
};
const char* conv_output_name(ConvOutput c);

// Formats of the operands of every imported GEMM, by position (workload.hpp: C = A x B). The
// default is fp32 throughout, mpsim's training baseline; `mpsim simulate` passes others.
struct OperandFormats {
  FloatFormat a = formats::fp32, b = formats::fp32, c = formats::fp32;
  FloatFormat accumulator = formats::fp32;
  bool operator==(const OperandFormats&) const = default;
};

struct TopologyOptions {
  bool training = false;
  std::int64_t batch = 1;  // 1 to kMaxBatch
  ConvOutput conv_output = ConvOutput::scalesim;
  OperandFormats formats;
};
inline constexpr std::int64_t kMaxBatch = std::int64_t{1} << 20;

// A malformed topology file: one line, "FILE:LINE: column 'X': what is allowed" (or
// "FILE:LINE: what is wrong" for whole-line problems). A WorkloadError, so callers that read
// either kind of workload catch one type.
struct TopologyError : WorkloadError {
  using WorkloadError::WorkloadError;
};

// `source` names the stream in error messages. Throws TopologyError; std::invalid_argument for
// bad options (batch out of range).
Workload read_scalesim_topology(std::istream& in, const std::string& source, const TopologyOptions& options);
Workload read_scalesim_topology_file(const std::string& path, const TopologyOptions& options);

}  // namespace mpsim::sim
