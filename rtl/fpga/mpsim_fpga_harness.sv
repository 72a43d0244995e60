// mpsim_fpga_harness: a synthesis-only wrapper that lets place and route time a block whose
// ports outnumber the FPGA's pins. Every input of the block comes from one long shift register
// fed by a single pin, every output is registered and XOR-folded into a single registered pin,
// so no logic is optimised away and each path of the block runs register to register. Used by
// rtl/flow/fpga.sh for nextpnr-ice40 (rtl/README.md); never part of a design.
//
//   Dut = 0: mpsim_mac (NumPipeRegs as given)
//   Dut = 1: mpsim_array_top (NumRows x NumCols)
module mpsim_fpga_harness #(
  parameter int Dut = 0,
  parameter int NumRows = 2,
  parameter int NumCols = 2,
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  parameter int AccFmt = mpsim_pkg::FMT_FP32,
  parameter int NumPipeRegs = 1,
  parameter int DepthW = 8
) (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic sin_i,
  output logic sout_o
);
  localparam int FW = mpsim_pkg::FMT_W;
  localparam int NF = mpsim_pkg::NUM_FLAGS;
  // Operand width: the widest format of the build; accumulator width: one AccFmt code.
  localparam int IN_W = mpsim_pkg::mask_max_width(FmtMask);
  localparam int ACC_W = mpsim_pkg::fmt_width(AccFmt);
  localparam int ROW_W = NumRows > 1 ? $clog2(NumRows) : 1;
  // Scan-in and capture widths of each block: the sum of its input and output port widths.
  localparam int MAC_IN_W = 1 + 2 * FW + 2 * IN_W + ACC_W;  // valid, formats, a, b, acc
  localparam int MAC_OUT_W = 1 + ACC_W + NF;  // valid, acc, flags
  localparam int ARR_IN_W = 1 + 2 * FW + DepthW + 1 + 1 + (NumRows + NumCols) * IN_W + 1;
  localparam int ARR_OUT_W = 1 + 1 + 1 + ROW_W + 1 + NumCols * (ACC_W + NF);
  localparam int SCAN_W = Dut == 0 ? MAC_IN_W : ARR_IN_W;
  localparam int CAP_W = Dut == 0 ? MAC_OUT_W : ARR_OUT_W;

  logic [SCAN_W-1:0] scan_q;
  logic [CAP_W-1:0] dut_out, cap_q;

  always_ff @(posedge clk_i) begin
    scan_q <= {scan_q[SCAN_W-2:0], sin_i};
    cap_q  <= dut_out;
    sout_o <= ^cap_q;
  end

  if (Dut == 0) begin : gen_mac
    mpsim_mac #(
      .FmtMask    (FmtMask),
      .AccFmt     (AccFmt),
      .NumPipeRegs(NumPipeRegs)
    ) u_dut (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .valid_i(scan_q[0]),
      .fmt_a_i(scan_q[1+:FW]),
      .fmt_b_i(scan_q[1+FW+:FW]),
      .a_i    (scan_q[1+2*FW+:IN_W]),
      .b_i    (scan_q[1+2*FW+IN_W+:IN_W]),
      .acc_i  (scan_q[1+2*FW+2*IN_W+:ACC_W]),
      .valid_o(dut_out[0]),
      .acc_o  (dut_out[1+:ACC_W]),
      .flags_o(dut_out[1+ACC_W+:NF])
    );
  end else begin : gen_array
    localparam int A0 = 1 + 2 * FW + DepthW + 2;  // first bit of in_a_i in the scan chain
    mpsim_array_top #(
      .NumRows    (NumRows),
      .NumCols    (NumCols),
      .FmtMask    (FmtMask),
      .AccFmt     (AccFmt),
      .NumPipeRegs(NumPipeRegs),
      .DepthW     (DepthW)
    ) u_dut (
      .clk_i         (clk_i),
      .rst_ni        (rst_ni),
      .cfg_valid_i   (scan_q[0]),
      .cfg_ready_o   (dut_out[0]),
      .cfg_fmt_a_i   (scan_q[1+:FW]),
      .cfg_fmt_b_i   (scan_q[1+FW+:FW]),
      .cfg_depth_m1_i(scan_q[1+2*FW+:DepthW]),
      .cfg_clear_i   (scan_q[1+2*FW+DepthW]),
      .in_valid_i    (scan_q[1+2*FW+DepthW+1]),
      .in_ready_o    (dut_out[1]),
      .in_a_i        (scan_q[A0+:NumRows*IN_W]),
      .in_b_i        (scan_q[A0+NumRows*IN_W+:NumCols*IN_W]),
      .out_valid_o   (dut_out[2]),
      .out_ready_i   (scan_q[A0+(NumRows+NumCols)*IN_W]),
      .out_row_o     (dut_out[3+:ROW_W]),
      .out_last_o    (dut_out[3+ROW_W]),
      .out_res_o     (dut_out[4+ROW_W+:NumCols*ACC_W]),
      .out_flags_o   (dut_out[4+ROW_W+NumCols*ACC_W+:NumCols*NF])
    );
  end
endmodule
