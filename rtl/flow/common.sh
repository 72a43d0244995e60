# Shared by the RTL flow scripts (lint.sh, synth.sh, fpga.sh); sourced, not run.
# RTL_DIR: rtl/; RTL_SOURCES: the sources in read order (rtl/sources.f, as CMake reads them).
set -euo pipefail
RTL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mapfile -t RTL_SOURCES < <(grep -v '^#' "$RTL_DIR/sources.f" | sed "s|^|$RTL_DIR/|")
HARNESS="$RTL_DIR/fpga/mpsim_fpga_harness.sv"

# The build configurations docs/RTL.md reports (mpsim_mac's header comment):
#   label                  FmtMask AccFmt
MAC_CONFIGS=(
  "fp32-acc,all-formats  31      0"
  "fp32-acc,fp8-only     24      0"
  "fp16-acc,all-formats  31      1"
)

# yosys_stat_sum FILE PATTERN: sum of the counts of the cell types matching PATTERN (an ERE) in
# the last cell table of a yosys `stat` report (for `stat -top`, the whole-hierarchy totals).
yosys_stat_sum() {
  awk -v pat="$2" '
    /Number of cells:/ { n = 0; delete c; table = 1; next }
    table && NF == 2 && $2 ~ /^[0-9]+$/ { c[$1] = $2; next }
    table && NF == 0 { table = 0 }
    END { for (k in c) if (k ~ pat) n += c[k]; print n + 0 }' "$1"
}

# tool_versions: one line naming the tools the tables came from.
tool_versions() {
  local v y n
  v=$(verilator --version | awk '{print $2}')
  y=$(yosys -V | awk '{print $2}')
  n=$(nextpnr-ice40 --version 2>&1 | sed -n 's/.*(Version \([^)]*\)).*/\1/p')
  echo "Verilator $v, yosys $y, nextpnr-ice40 $n"
}
