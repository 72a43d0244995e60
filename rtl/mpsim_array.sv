// mpsim_array: NumRows x NumCols grid of mpsim_pe, output-stationary (DESIGN.md, array
// contract). A values with their tags enter each row from the west and move east one PE per
// cycle; B values enter each column from the north and move south one PE per cycle. The
// inputs must already be skewed (mpsim_array_skewed): row i's k-th operand i cycles after
// row 0's, column j's j cycles after column 0's, so that A[i][k] and B[k][j] meet in PE(i,j)
// at cycle k + i + j, and PE(i,j) accumulates in ascending k.
//
// Drain: row i's results are complete when PE(i, NumCols-1), the last to finish in the row,
// copies its sum; its res_valid pulse (registered, so every PE of the row holds its result by
// then) selects row i onto out_res_o for that cycle. Successive rows finish on successive
// cycles, so a tile drains one row per cycle, row 0 first. mpsim_array_ctrl spaces tiles so
// that two rows never finish in the same cycle and no result is overwritten before it drains.
module mpsim_array #(
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
  // West edge, row i in slice i (skewed)
  input  logic [NumRows*IN_W-1:0]                 a_i,
  input  logic [NumRows*mpsim_pkg::FMT_W-1:0]     fmt_a_i,
  input  logic [NumRows-1:0]                      valid_i,
  input  logic [NumRows-1:0]                      init_i,
  input  logic [NumRows-1:0]                      last_i,
  // North edge, column j in slice j (skewed)
  input  logic [NumCols*IN_W-1:0]                 b_i,
  input  logic [NumCols*mpsim_pkg::FMT_W-1:0]     fmt_b_i,
  // One finished row per valid cycle, column j in slice j
  output logic                                    out_valid_o,
  output logic [ROW_W-1:0]                        out_row_o,
  output logic [NumCols*ACC_W-1:0]                out_res_o,
  output logic [NumCols*mpsim_pkg::NUM_FLAGS-1:0] out_flags_o
);
  localparam int FW = mpsim_pkg::FMT_W;
  localparam int NF = mpsim_pkg::NUM_FLAGS;
  localparam int HC = NumCols + 1;  // horizontal links per row: west edge plus one per PE

  // Horizontal links: link (i, j) enters PE(i, j); link (i, NumCols) leaves the east edge.
  logic [NumRows*HC*IN_W-1:0] h_a;
  logic [NumRows*HC*FW-1:0]   h_fmt;
  logic [NumRows*HC-1:0]      h_valid, h_init, h_last;
  // Vertical links: link (i, j) enters PE(i, j); link (NumRows, j) leaves the south edge.
  logic [(NumRows+1)*NumCols*IN_W-1:0] v_b;
  logic [(NumRows+1)*NumCols*FW-1:0]   v_fmt;
  // Results, PE(i, j) in slice i*NumCols + j.
  logic [NumRows*NumCols-1:0]       res_valid;
  logic [NumRows*NumCols*ACC_W-1:0] res;
  logic [NumRows*NumCols*NF-1:0]    res_flags;

  for (genvar i = 0; i < NumRows; i++) begin : gen_west
    assign h_a[i*HC*IN_W+:IN_W] = a_i[i*IN_W+:IN_W];
    assign h_fmt[i*HC*FW+:FW] = fmt_a_i[i*FW+:FW];
    assign h_valid[i*HC] = valid_i[i];
    assign h_init[i*HC] = init_i[i];
    assign h_last[i*HC] = last_i[i];
  end
  assign v_b[NumCols*IN_W-1:0] = b_i;
  assign v_fmt[NumCols*FW-1:0] = fmt_b_i;

  for (genvar i = 0; i < NumRows; i++) begin : gen_row
    for (genvar j = 0; j < NumCols; j++) begin : gen_col
      localparam int H_IN = i * HC + j;  // link into the PE from the west
      localparam int V_IN = i * NumCols + j;  // link into the PE from the north
      localparam int V_OUT = (i + 1) * NumCols + j;
      localparam int PE = i * NumCols + j;
      mpsim_pe #(
        .FmtMask    (FmtMask),
        .AccFmt     (AccFmt),
        .NumPipeRegs(NumPipeRegs)
      ) u_pe (
        .clk_i      (clk_i),
        .rst_ni     (rst_ni),
        .en_i       (en_i),
        .a_i        (h_a[H_IN*IN_W+:IN_W]),
        .fmt_a_i    (h_fmt[H_IN*FW+:FW]),
        .valid_i    (h_valid[H_IN]),
        .init_i     (h_init[H_IN]),
        .last_i     (h_last[H_IN]),
        .b_i        (v_b[V_IN*IN_W+:IN_W]),
        .fmt_b_i    (v_fmt[V_IN*FW+:FW]),
        .a_o        (h_a[(H_IN+1)*IN_W+:IN_W]),
        .fmt_a_o    (h_fmt[(H_IN+1)*FW+:FW]),
        .valid_o    (h_valid[H_IN+1]),
        .init_o     (h_init[H_IN+1]),
        .last_o     (h_last[H_IN+1]),
        .b_o        (v_b[V_OUT*IN_W+:IN_W]),
        .fmt_b_o    (v_fmt[V_OUT*FW+:FW]),
        .res_valid_o(res_valid[PE]),
        .res_o      (res[PE*ACC_W+:ACC_W]),
        .res_flags_o(res_flags[PE*NF+:NF])
      );
    end
  end

  // ---- Drain: the row whose last PE just finished ----------------------------------------
  logic [NumRows-1:0] row_done;
  for (genvar i = 0; i < NumRows; i++) begin : gen_row_done
    assign row_done[i] = res_valid[i*NumCols+NumCols-1];
  end

  always_comb begin
    out_row_o = '0;
    out_res_o = '0;
    out_flags_o = '0;
    for (int i = 0; i < NumRows; i++) begin
      if (row_done[i]) begin
        out_row_o = i[ROW_W-1:0];
        out_res_o = res[i*NumCols*ACC_W+:NumCols*ACC_W];
        out_flags_o = res_flags[i*NumCols*NF+:NumCols*NF];
      end
    end
  end
  assign out_valid_o = |row_done;

  // The east and south edges lead nowhere, and only the last column's pulse marks a row done
  // (every PE has the pulse so that one PE module serves every position).
  logic unused_edges;
  always_comb begin
    unused_edges = 1'b0;
    for (int i = 0; i < NumRows; i++) begin
      unused_edges ^= ^{h_a[(i*HC+NumCols)*IN_W+:IN_W], h_fmt[(i*HC+NumCols)*FW+:FW],
                        h_valid[i*HC+NumCols], h_init[i*HC+NumCols], h_last[i*HC+NumCols]};
      for (int j = 0; j < NumCols - 1; j++) unused_edges ^= res_valid[i*NumCols+j];
    end
    unused_edges ^= ^{v_b[NumRows*NumCols*IN_W+:NumCols*IN_W], v_fmt[NumRows*NumCols*FW+:NumCols*FW]};
  end

`ifndef SYNTHESIS
  // mpsim_array_ctrl's tile spacing guarantees one finishing row per cycle at most. (Written
  // as an asynchronously reset process: rst_ni is asynchronous everywhere else.)
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      // no check during reset
    end else if (en_i) begin
      assert ((row_done & (row_done - 1'b1)) == '0)
      else $error("mpsim_array: rows %b finished in the same cycle", row_done);
    end
  end
`endif
endmodule
