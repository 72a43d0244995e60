// mpsim_mac: one multiply-accumulate, acc_o = round(acc_i + a_i * b_i), rounded once to nearest
// even in the accumulator format, with IEEE flags: bit for bit model/mac.hpp mac() with
// Overflow::infinity (mpsim_mac_add for the datapath, mpsim_mac_mul for the special cases).
//
// Formats: fmt_a_i and fmt_b_i pick each operand's format per operation, independently, among
// FmtMask (codes and table in mpsim_pkg); the accumulator format AccFmt is fixed at build time.
// The build configurations that make synth reports:
//   FmtMask = FMT_MASK_ALL, AccFmt = FMT_FP32   all formats in, fp32 accumulation
//   FmtMask = FMT_MASK_FP8, AccFmt = FMT_FP32   e4m3/e5m2 in only (4x4-bit multiplier)
//   FmtMask = FMT_MASK_ALL, AccFmt = FMT_FP16   fp16 accumulation
//
// Timing: NumPipeRegs registers cut the datapath between the multiplier and the adder; acc_i
// travels beside the product, so a result leaves NumPipeRegs cycles after its operands
// (valid_o = valid_i delayed), one operation per cycle. acc_o is combinational from the last
// register (from the inputs when NumPipeRegs = 0). In the PE the adder closes a one-cycle loop
// through the accumulator register instead (mpsim_pe).
module mpsim_mac #(
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  parameter int AccFmt = mpsim_pkg::FMT_FP32,
  parameter int NumPipeRegs = 0,
  // Operand ports: the widest format of the build.
  localparam int IN_W = mpsim_pkg::mask_max_width(FmtMask),
  // Accumulator ports: one AccFmt code.
  localparam int ACC_W = mpsim_pkg::fmt_width(AccFmt)
) (
  input  logic                           clk_i,
  input  logic                           rst_ni,
  input  logic                           valid_i,
  input  logic [mpsim_pkg::FMT_W-1:0]    fmt_a_i,
  input  logic [mpsim_pkg::FMT_W-1:0]    fmt_b_i,
  input  logic [IN_W-1:0]                a_i,
  input  logic [IN_W-1:0]                b_i,
  input  logic [ACC_W-1:0]               acc_i,
  output logic                           valid_o,
  output logic [ACC_W-1:0]               acc_o,
  output logic [mpsim_pkg::NUM_FLAGS-1:0] flags_o
);
  // Packed exact product (layout in mpsim_pkg).
  localparam int PROD_W = mpsim_pkg::prod_w(FmtMask);

  logic [PROD_W-1:0] prod, prod_q;
  logic [ACC_W-1:0] acc_q;

  mpsim_mac_mul #(.FmtMask(FmtMask)) u_mul (
    .fmt_a_i(fmt_a_i),
    .fmt_b_i(fmt_b_i),
    .a_i    (a_i),
    .b_i    (b_i),
    .prod_o (prod)
  );

  mpsim_pipe #(
    .Width(PROD_W + ACC_W),
    .Depth(NumPipeRegs)
  ) u_pipe (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .en_i   (1'b1),
    .valid_i(valid_i),
    .data_i ({prod, acc_i}),
    .valid_o(valid_o),
    .data_o ({prod_q, acc_q})
  );

  mpsim_mac_add #(
    .FmtMask(FmtMask),
    .AccFmt (AccFmt)
  ) u_add (
    .acc_i  (acc_q),
    .prod_i (prod_q),
    .acc_o  (acc_o),
    .flags_o(flags_o)
  );
endmodule
