#!/usr/bin/env bash
# `make fpga`: FPGA estimates for the MAC configurations and the largest array that fits.
#   Xilinx 7-series: yosys synth_xilinx (LUTs, flip-flops, DSP48E1, CARRY4); no place and route
#     (nextpnr for Xilinx is not packaged), so "fits" means the synthesised counts are within the
#     XC7A100T's resources (63,400 LUTs, 126,800 flip-flops, 240 DSP48E1), the part of the
#     common Artix-7 prototyping boards.
#   Lattice iCE40 HX8K (ct256): yosys synth_ice40, then nextpnr-ice40 place and route: logic
#     cells used of 7,680 and the maximum clock frequency nextpnr's timing analysis reports. The
#     block sits in rtl/fpga/mpsim_fpga_harness.sv (scan-in, XOR-folded capture) so that every
#     path runs register to register on a device with 206 I/O pins.
# Usage: fpga.sh [OUT_DIR] (default build/rtl_flow). Tables to stdout and OUT_DIR/fpga.md.
source "$(dirname "$0")/common.sh"
OUT="${1:-build/rtl_flow}"
mkdir -p "$OUT"
PIPE=1
XC7_LUTS=63400 XC7_FFS=126800 XC7_DSPS=240 HX8K_LCS=7680

# --- Xilinx ----------------------------------------------------------------------------------
# xilinx NAME TOP CHPARAM_ARGS [FLATTEN]: prints "luts ffs dsps carry4" and keeps the report.
xilinx() {
  local name=$1 top=$2 params=$3 flatten=${4:-} stem="$OUT/xc7_${1//[:,]/_}"
  yosys -q -l "$stem.log" -p "read_verilog -sv ${RTL_SOURCES[*]}; chparam $params $top;
    synth_xilinx $flatten -top $top; tee -q -o $stem.stat stat -top $top" > /dev/null
  # INV is a LUT1 once implemented; SRL16E shift registers are LUTs too.
  echo "$(yosys_stat_sum "$stem.stat" '^(LUT[1-6]|INV|SRL16E)$') $(yosys_stat_sum "$stem.stat" '^FD[CPRS]E$')" \
       "$(yosys_stat_sum "$stem.stat" '^DSP48E1$') $(yosys_stat_sum "$stem.stat" '^CARRY4$')"
}

# --- iCE40 -----------------------------------------------------------------------------------
# ice40 NAME HARNESS_CHPARAM_ARGS: prints "lcs fmax_mhz" ("- -" when it does not fit).
ice40() {
  local name=$1 params=$2 stem="$OUT/ice40_${1//[:,]/_}"
  yosys -q -l "$stem.yosys.log" -p "read_verilog -sv ${RTL_SOURCES[*]} $HARNESS;
    chparam $params mpsim_fpga_harness; synth_ice40 -top mpsim_fpga_harness -json $stem.json;
    tee -q -o $stem.stat stat" > /dev/null
  # Skip place and route when the LUTs alone exceed the device.
  if (( $(yosys_stat_sum "$stem.stat" '^SB_LUT4$') > HX8K_LCS )); then
    echo "- -"
    return
  fi
  if nextpnr-ice40 --hx8k --package ct256 --json "$stem.json" --pcf-allow-unconstrained --freq 100 \
       --timing-allow-fail --seed 1 > "$stem.nextpnr.log" 2>&1; then
    local lcs fmax
    lcs=$(sed -n 's/.*ICESTORM_LC: *\([0-9]*\)\/.*/\1/p' "$stem.nextpnr.log" | tail -1)
    fmax=$(sed -n "s/.*Max frequency for clock .*: \([0-9.]*\) MHz.*/\1/p" "$stem.nextpnr.log" | tail -1)
    echo "$lcs $fmax"
  else
    echo "- -"
  fi
}

{
  echo "$(tool_versions); NumPipeRegs = $PIPE unless noted"
  echo
  echo "Xilinx 7-series (yosys \`synth_xilinx\`; MACs flattened, arrays hierarchical):"
  echo
  echo "| unit | LUTs | flip-flops | DSP48E1 | CARRY4 |"
  echo "|---|---:|---:|---:|---:|"
  for cfg in "${MAC_CONFIGS[@]}"; do
    read -r label mask acc <<< "$cfg"
    read -r luts ffs dsps carry < <(xilinx "mac:$label" mpsim_mac \
      "-set FmtMask $mask -set AccFmt $acc -set NumPipeRegs $PIPE" -flatten)
    echo "| mac $label | $luts | $ffs | $dsps | $carry |"
  done
  read -r luts ffs dsps carry < <(xilinx "array-4x4" mpsim_array_top "-set NumRows 4 -set NumCols 4 -set NumPipeRegs $PIPE")
  echo "| array 4x4 fp32-acc,all-formats | $luts | $ffs | $dsps | $carry |"
  for n in 8 7 6 5; do  # the largest square array, all formats, within an XC7A100T
    read -r luts ffs dsps carry < <(xilinx "array-${n}x${n}" mpsim_array_top "-set NumRows $n -set NumCols $n -set NumPipeRegs $PIPE")
    if (( luts <= XC7_LUTS && ffs <= XC7_FFS && dsps <= XC7_DSPS )); then
      echo "| array ${n}x${n} fp32-acc,all-formats (largest square within XC7A100T) | $luts | $ffs | $dsps | $carry |"
      break
    fi
  done
  echo
  echo "Lattice iCE40 HX8K ct256 (yosys \`synth_ice40\`, nextpnr-ice40 --seed 1; in mpsim_fpga_harness):"
  echo
  echo "| unit | logic cells (of $HX8K_LCS) | Fmax (MHz) |"
  echo "|---|---:|---:|"
  for cfg in "${MAC_CONFIGS[@]}"; do
    read -r label mask acc <<< "$cfg"
    read -r lcs fmax < <(ice40 "mac:$label" "-set Dut 0 -set FmtMask $mask -set AccFmt $acc -set NumPipeRegs $PIPE")
    echo "| mac $label | $lcs | $fmax |"
  done
  read -r lcs fmax < <(ice40 "mac:fp32-acc,all-formats,p0" "-set Dut 0 -set NumPipeRegs 0")
  echo "| mac fp32-acc,all-formats, NumPipeRegs = 0 | $lcs | $fmax |"
  # The largest array that places and routes, for the two fp8-input builds.
  for cfg in "fp16-acc,fp8-only 24 1" "fp32-acc,fp8-only 24 0"; do
    read -r label mask acc <<< "$cfg"
    for shape in "3 3" "3 2" "2 2" "2 1" "1 1"; do
      read -r rows cols <<< "$shape"
      read -r lcs fmax < <(ice40 "array-${rows}x${cols}:$label" \
        "-set Dut 1 -set NumRows $rows -set NumCols $cols -set FmtMask $mask -set AccFmt $acc -set NumPipeRegs $PIPE")
      if [[ "$lcs" != "-" ]]; then
        echo "| array ${rows}x${cols} $label (largest that fits) | $lcs | $fmax |"
        break
      fi
    done
  done
} | tee "$OUT/fpga.md"
