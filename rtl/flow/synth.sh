#!/usr/bin/env bash
# `make synth`: yosys generic synthesis (`synth`, gate-level cells of yosys's internal library)
# of the MAC in each build configuration and of a 4x4 array, and the table of cell counts that
# docs/RTL.md records. Usage: synth.sh [OUT_DIR] (default build/rtl_flow); logs and stat reports
# go there, the table to stdout and OUT_DIR/synth.md.
source "$(dirname "$0")/common.sh"
OUT="${1:-build/rtl_flow}"
mkdir -p "$OUT"
PIPE=1  # NumPipeRegs of every synthesised unit: one register between multiplier and adder

# synth NAME TOP CHPARAM_ARGS: hierarchical synthesis (identical PEs are synthesised once and
# counted once per instance by `stat -top`).
synth() {
  local name=$1 top=$2 params=$3 stem
  stem="$OUT/synth_${name//[:,]/_}"
  yosys -q -l "$stem.log" -p "read_verilog -sv ${RTL_SOURCES[*]}; chparam $params $top;
    synth -top $top; tee -q -o $stem.stat stat -top $top" > /dev/null
  local cells ffs
  cells=$(awk '/Number of cells:/ { n = $4 } END { print n }' "$stem.stat")
  ffs=$(yosys_stat_sum "$stem.stat" '^\$_(S?DFF|DFFE|SDFFE|SDFFCE|ALDFF|DLATCH)')
  printf '| %s | %s | %s |\n' "$name" "$cells" "$ffs"
}

{
  echo "yosys $(yosys -V | awk '{print $2}') generic \`synth\` (hierarchical; \`stat -top\` totals), NumPipeRegs = $PIPE"
  echo
  echo "| unit | cells | of which flip-flops |"
  echo "|---|---:|---:|"
  for cfg in "${MAC_CONFIGS[@]}"; do
    read -r label mask acc <<< "$cfg"
    synth "mac:$label" mpsim_mac "-set FmtMask $mask -set AccFmt $acc -set NumPipeRegs $PIPE"
  done
  synth "array-4x4:fp32-acc,all-formats" mpsim_array_top "-set NumRows 4 -set NumCols 4 -set NumPipeRegs $PIPE"
} | tee "$OUT/synth.md"
