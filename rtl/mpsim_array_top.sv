// mpsim_array_top: the output-stationary array with its control and streaming ports.
//
//   cfg  (valid/ready)  mode: A and B formats, depth K (as K-1), clear; between tiles only
//   in   (valid/ready)  one k-slice per beat: in_a_i = column k of the tile's A (row i in
//                       slice i), in_b_i = row k of B (column j in slice j); K beats a tile
//   out  (valid/ready)  one row of C per beat, rows 0..NumRows-1 in order (out_row_o,
//                       out_last_o on the last), with each element's IEEE flags
//
// C[i][j] is bit for bit model/mac.hpp dot(+0, A row i, B column j, K) in ascending k (or
// dot(previous C[i][j], ...) with flags ORed after a cfg with clear = 0).
//
// Tile cycle count, from the cycle the first beat of a tile is accepted to the cycle its last
// row is accepted, both counted, with in_valid_i and out_ready_i held high:
//
//     T(R, C, K, P) = K + R + C + P      (R = NumRows, C = NumCols, P = NumPipeRegs)
//
// Derivation (docs/RTL.md): the first beat's k-slice is registered here (1 cycle); the last
// beat follows K-1 cycles later; its row R-1 is skewed R-1 cycles and its column C-1 crosses
// C-1 PEs, so it meets PE(R-1, C-1) R+C-2 cycles after entering; the product registers take P
// cycles and the accumulator register 1; that row's result pulse then holds out_valid_o for
// the cycle of the output handshake (1): 1 + (K-1) + (R+C-2) + P + 1 + 1. Tiles may follow
// back to back; a new tile's last beat waits until max(R, C) cycles after the previous one's
// (mpsim_array_ctrl), so a stream of tiles of depth K takes max(K, R, C) cycles per tile. A
// consumer that holds out_ready_i low stalls the whole array; the counts are then in cycles
// with the array enabled. The SystemC engine (sim/) is held to the same formula.
module mpsim_array_top #(
  parameter int NumRows = 4,
  parameter int NumCols = 4,
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  parameter int AccFmt = mpsim_pkg::FMT_FP32,
  parameter int NumPipeRegs = 0,
  parameter int DepthW = 16,
  // Operand width: the widest format of the build.
  localparam int IN_W = mpsim_pkg::mask_max_width(FmtMask),
  // Result width: one AccFmt code.
  localparam int ACC_W = mpsim_pkg::fmt_width(AccFmt),
  // Row index of the drained row (at least one bit).
  localparam int ROW_W = NumRows > 1 ? $clog2(NumRows) : 1
) (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  // Configuration
  input  logic                                    cfg_valid_i,
  output logic                                    cfg_ready_o,
  input  logic [mpsim_pkg::FMT_W-1:0]             cfg_fmt_a_i,
  input  logic [mpsim_pkg::FMT_W-1:0]             cfg_fmt_b_i,
  input  logic [DepthW-1:0]                       cfg_depth_m1_i,
  input  logic                                    cfg_clear_i,
  // Input stream: one k-slice per beat
  input  logic                                    in_valid_i,
  output logic                                    in_ready_o,
  input  logic [NumRows*IN_W-1:0]                 in_a_i,
  input  logic [NumCols*IN_W-1:0]                 in_b_i,
  // Output stream: one row of C per beat
  output logic                                    out_valid_o,
  input  logic                                    out_ready_i,
  output logic [ROW_W-1:0]                        out_row_o,
  output logic                                    out_last_o,
  output logic [NumCols*ACC_W-1:0]                out_res_o,
  output logic [NumCols*mpsim_pkg::NUM_FLAGS-1:0] out_flags_o
);
  localparam int FW = mpsim_pkg::FMT_W;
  localparam int BEAT_W = 2 + 2 * FW + (NumRows + NumCols) * IN_W;  // {init, last, fmts, a, b}

  logic en, beat_valid, init, last;
  logic [FW-1:0] fmt_a, fmt_b;

  mpsim_array_ctrl #(
    .NumRows(NumRows),
    .NumCols(NumCols),
    .DepthW (DepthW)
  ) u_ctrl (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .cfg_valid_i   (cfg_valid_i),
    .cfg_ready_o   (cfg_ready_o),
    .cfg_fmt_a_i   (cfg_fmt_a_i),
    .cfg_fmt_b_i   (cfg_fmt_b_i),
    .cfg_depth_m1_i(cfg_depth_m1_i),
    .cfg_clear_i   (cfg_clear_i),
    .in_valid_i    (in_valid_i),
    .in_ready_o    (in_ready_o),
    .en_o          (en),
    .beat_valid_o  (beat_valid),
    .init_o        (init),
    .last_o        (last),
    .fmt_a_o       (fmt_a),
    .fmt_b_o       (fmt_b),
    .out_valid_i   (out_valid_o),
    .out_ready_i   (out_ready_i)
  );

  // Input register: the accepted beat with its formats and tags.
  logic beat_valid_q, init_q, last_q;
  logic [FW-1:0] fmt_a_q, fmt_b_q;
  logic [NumRows*IN_W-1:0] a_q;
  logic [NumCols*IN_W-1:0] b_q;
  mpsim_pipe #(
    .Width(BEAT_W),
    .Depth(1)
  ) u_in_reg (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .en_i   (en),
    .valid_i(beat_valid),
    .data_i ({init, last, fmt_a, fmt_b, in_a_i, in_b_i}),
    .valid_o(beat_valid_q),
    .data_o ({init_q, last_q, fmt_a_q, fmt_b_q, a_q, b_q})
  );

  mpsim_array_skewed #(
    .NumRows    (NumRows),
    .NumCols    (NumCols),
    .FmtMask    (FmtMask),
    .AccFmt     (AccFmt),
    .NumPipeRegs(NumPipeRegs)
  ) u_array (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .en_i       (en),
    .valid_i    (beat_valid_q),
    .init_i     (init_q),
    .last_i     (last_q),
    .fmt_a_i    (fmt_a_q),
    .fmt_b_i    (fmt_b_q),
    .a_i        (a_q),
    .b_i        (b_q),
    .out_valid_o(out_valid_o),
    .out_row_o  (out_row_o),
    .out_res_o  (out_res_o),
    .out_flags_o(out_flags_o)
  );

  assign out_last_o = out_valid_o && out_row_o == ROW_W'(NumRows - 1);
endmodule
