// `--formats A=e4m3,B=e4m3,C=fp32,acc=fp32`: the formats of the GEMM operands by position
// (model/workload.hpp: C = A x B, accumulated in `acc`). Operands not named keep what the
// workload says (a .jsonl file) or the import default (a topology .csv).
#pragma once

#include <optional>
#include <string>

#include "model/workload.hpp"
#include "sim/scalesim_topology.hpp"

namespace mpsim::cli {

struct OperandFormatOverrides {
  std::optional<FloatFormat> a, b, c, accumulator;
  bool empty() const { return !a && !b && !c && !accumulator; }
};

// Parses the option's value; throws UsageError naming the bad item and what is allowed.
OperandFormatOverrides parse_operand_formats(const std::string& spec);

// `defaults` with the named operands replaced.
sim::OperandFormats resolve_operand_formats(const OperandFormatOverrides& overrides, sim::OperandFormats defaults);

// Every op of `w` with the named operands replaced (a .jsonl workload).
void apply_operand_formats(const OperandFormatOverrides& overrides, Workload& w);

// "A=e4m3,B=e4m3,C=fp32,acc=fp32": the form the option takes, for reports.
std::string operand_formats_text(const sim::OperandFormats& f);

}  // namespace mpsim::cli
