#!/usr/bin/env bash
# `make lint`: verilator --lint-only -Wall (with assertions) on every top in the configurations
# the project builds, plus the FPGA harness. Waivers are local lint_off/lint_on pairs in the
# sources, each with its reason; nothing is disabled here. Exit status non-zero on any warning.
source "$(dirname "$0")/common.sh"

run() {  # run TOP PARAMS...
  local top=$1
  shift
  if verilator --lint-only -Wall --assert "${RTL_SOURCES[@]}" "$HARNESS" --top-module "$top" "$@"; then
    echo "lint clean: $top $*"
  else
    echo "lint FAILED: $top $*" >&2
    exit 1
  fi
}

for cfg in "${MAC_CONFIGS[@]}"; do
  read -r _ mask acc <<< "$cfg"
  for pipe in 0 1 2; do run mpsim_mac -GFmtMask="$mask" -GAccFmt="$acc" -GNumPipeRegs="$pipe"; done
done
run mpsim_array_top -GNumRows=4 -GNumCols=4 -GNumPipeRegs=1
run mpsim_array_top -GNumRows=3 -GNumCols=5 -GAccFmt=1 -GNumPipeRegs=0
run mpsim_array_top -GNumRows=5 -GNumCols=2 -GFmtMask=24 -GNumPipeRegs=2
run mpsim_array_top -GNumRows=1 -GNumCols=1 -GFmtMask=24 -GAccFmt=1 -GNumPipeRegs=3 -GDepthW=1
run mpsim_array_top -GNumRows=16 -GNumCols=16 -GNumPipeRegs=1
run mpsim_fpga_harness -GDut=0
run mpsim_fpga_harness -GDut=1 -GFmtMask=24 -GAccFmt=1
