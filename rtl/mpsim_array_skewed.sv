// mpsim_array_skewed: mpsim_array with its input skew buffers. One beat is one k-slice of the
// tile, unskewed: column k of A (a_i, row i in slice i) and row k of B (b_i, column j in slice
// j), with the tile's formats and tags. Row i of the beat reaches the array i cycles later,
// column j j cycles later (mpsim_skew), so A[i][k] and B[k][j] meet in PE(i,j) i + j cycles
// after the beat enters.
module mpsim_array_skewed #(
  parameter int NumRows = 4,
  parameter int NumCols = 4,
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  parameter int AccFmt = mpsim_pkg::FMT_FP32,
  parameter int NumPipeRegs = 0,
  // Operand width: the widest format of the build.
  localparam int IN_W = mpsim_pkg::mask_max_width(FmtMask),
  // Result width: one AccFmt code.
  localparam int ACC_W = mpsim_pkg::fmt_width(AccFmt),
  // Row index of the drained row (at least one bit).
  localparam int ROW_W = NumRows > 1 ? $clog2(NumRows) : 1
) (
  input  logic                                    clk_i,
  input  logic                                    rst_ni,
  input  logic                                    en_i,
  // One beat: a k-slice of A and B, their formats and the tile's tags
  input  logic                                    valid_i,
  input  logic                                    init_i,
  input  logic                                    last_i,
  input  logic [mpsim_pkg::FMT_W-1:0]             fmt_a_i,
  input  logic [mpsim_pkg::FMT_W-1:0]             fmt_b_i,
  input  logic [NumRows*IN_W-1:0]                 a_i,
  input  logic [NumCols*IN_W-1:0]                 b_i,
  // One finished row per valid cycle (mpsim_array)
  output logic                                    out_valid_o,
  output logic [ROW_W-1:0]                        out_row_o,
  output logic [NumCols*ACC_W-1:0]                out_res_o,
  output logic [NumCols*mpsim_pkg::NUM_FLAGS-1:0] out_flags_o
);
  localparam int FW = mpsim_pkg::FMT_W;
  localparam int A_LANE_W = IN_W + FW + 2;  // A lane: {a, format, init, last}
  localparam int B_LANE_W = IN_W + FW;  // B lane: {b, format}

  // Every A lane carries the beat's valid and tags; every B lane its format.
  logic [NumRows*A_LANE_W-1:0] a_lanes, a_skewed;
  logic [NumCols*B_LANE_W-1:0] b_lanes, b_skewed;
  logic [NumRows-1:0] a_valid;
  for (genvar i = 0; i < NumRows; i++) begin : gen_a_lane
    assign a_lanes[i*A_LANE_W+:A_LANE_W] = {a_i[i*IN_W+:IN_W], fmt_a_i, init_i, last_i};
  end
  for (genvar j = 0; j < NumCols; j++) begin : gen_b_lane
    assign b_lanes[j*B_LANE_W+:B_LANE_W] = {b_i[j*IN_W+:IN_W], fmt_b_i};
  end

  mpsim_skew #(
    .NumLanes(NumRows),
    .Width   (A_LANE_W)
  ) u_skew_a (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .en_i   (en_i),
    .valid_i({NumRows{valid_i}}),
    .data_i (a_lanes),
    .valid_o(a_valid),
    .data_o (a_skewed)
  );

  // B needs no valid of its own (A's valid marks the pair); its lanes' valid bits go unused.
  logic [NumCols-1:0] unused_b_valid;
  mpsim_skew #(
    .NumLanes(NumCols),
    .Width   (B_LANE_W)
  ) u_skew_b (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .en_i   (en_i),
    .valid_i({NumCols{valid_i}}),
    .data_i (b_lanes),
    .valid_o(unused_b_valid),
    .data_o (b_skewed)
  );

  // Unpack the lanes into the array's west and north edges.
  logic [NumRows*IN_W-1:0] west_a;
  logic [NumRows*FW-1:0] west_fmt;
  logic [NumRows-1:0] west_init, west_last;
  logic [NumCols*IN_W-1:0] north_b;
  logic [NumCols*FW-1:0] north_fmt;
  for (genvar i = 0; i < NumRows; i++) begin : gen_west
    assign {west_a[i*IN_W+:IN_W], west_fmt[i*FW+:FW], west_init[i], west_last[i]} =
        a_skewed[i*A_LANE_W+:A_LANE_W];
  end
  for (genvar j = 0; j < NumCols; j++) begin : gen_north
    assign {north_b[j*IN_W+:IN_W], north_fmt[j*FW+:FW]} = b_skewed[j*B_LANE_W+:B_LANE_W];
  end

  mpsim_array #(
    .NumRows    (NumRows),
    .NumCols    (NumCols),
    .FmtMask    (FmtMask),
    .AccFmt     (AccFmt),
    .NumPipeRegs(NumPipeRegs)
  ) u_array (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .en_i       (en_i),
    .a_i        (west_a),
    .fmt_a_i    (west_fmt),
    .valid_i    (a_valid),
    .init_i     (west_init),
    .last_i     (west_last),
    .b_i        (north_b),
    .fmt_b_i    (north_fmt),
    .out_valid_o(out_valid_o),
    .out_row_o  (out_row_o),
    .out_res_o  (out_res_o),
    .out_flags_o(out_flags_o)
  );
endmodule
