// `--formats A=e4m3,B=e4m3,C=fp32,acc=fp32`: the formats of the GEMM operands by position
// (model/workload.hpp: C = A x B, accumulated in `acc`), and by tensor role
// (`--formats weight=e4m3,activation_grad=e5m2`): a role key sets every operand of that role in
// every phase (a weight is B in fwd and bwd_data), which is how a precision assignment is
// written; where both name an operand, the role wins. Operands not named keep what the workload
// says (a .jsonl file) or the import default (a topology .csv).
#pragma once

#include <array>
#include <optional>
#include <string>

#include "model/workload.hpp"
#include "sim/scalesim_topology.hpp"

namespace mpsim::cli {

struct OperandFormatOverrides {
  std::optional<FloatFormat> a, b, c, accumulator;
  std::array<std::optional<FloatFormat>, kTensorRoles.size()> by_role;  // indexed by TensorRole
  bool empty() const;
};

// Parses the option's value; throws UsageError naming the bad item and what is allowed.
OperandFormatOverrides parse_operand_formats(const std::string& spec);

// `defaults` with the named operands replaced.
sim::OperandFormats resolve_operand_formats(const OperandFormatOverrides& overrides, sim::OperandFormats defaults);

// Every op of `w` with the named operands replaced, positions first, then roles.
void apply_operand_formats(const OperandFormatOverrides& overrides, Workload& w);

// "A=e4m3,B=e4m3,C=fp32,acc=fp32" plus the role keys given (",weight=e4m3"): the form the
// option takes, for reports.
std::string operand_formats_text(const sim::OperandFormats& f, const OperandFormatOverrides& overrides);

}  // namespace mpsim::cli
