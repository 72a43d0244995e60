// mpsim_array_ctrl: the array's control. It holds the mode (the A and B formats of the next
// tile), the tile depth K and the clear bit, counts the beats of a tile and tags them (init on
// k = 0 when clearing, last on k = K-1), and spaces tiles and stalls the array so that the
// output never loses a row.
//
// Configuration (cfg_*): accepted between tiles only (cfg_ready_o = no tile half streamed), and
// it takes precedence over an input beat in the same cycle; it holds for every later tile.
// cfg_depth_m1_i is K - 1 (AXI's len convention), so every value is a valid depth, 1..2^DepthW.
// cfg_clear_i = 1: a tile starts from +0 (C = A B); 0: it accumulates onto the previous tile's
// results and flags (C += A B, for a K split into several tiles).
//
// Stall: when the output holds a row the consumer does not take (out_valid_i && !out_ready_i),
// en_o is low and the whole array holds still; every cycle count below counts enabled cycles.
//
// Tile spacing. With L the cycle a tile's last beat enters, PE(i,j) copies its result at
// L + i + j + NumPipeRegs + 1 and row i drains at L + i + NumCols + NumPipeRegs + 1
// (docs/RTL.md). The next tile, last beat at L', must (a) not overwrite PE(i,0)'s result before
// row i drains: L' + i + NumPipeRegs + 1 >= L + i + NumCols + NumPipeRegs + 1, i.e.
// L' - L >= NumCols; (b) not drain a row while this tile still drains: L' - L >= NumRows. So
// the last beat of a tile waits until MIN_GAP = max(NumRows, NumCols) cycles have passed since
// the previous last beat; the other beats flow freely. A tile then takes max(K, NumRows,
// NumCols) cycles of input bandwidth.
module mpsim_array_ctrl #(
  parameter int NumRows = 4,
  parameter int NumCols = 4,
  parameter int DepthW = 16
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  // Configuration
  input  logic                        cfg_valid_i,
  output logic                        cfg_ready_o,
  input  logic [mpsim_pkg::FMT_W-1:0] cfg_fmt_a_i,
  input  logic [mpsim_pkg::FMT_W-1:0] cfg_fmt_b_i,
  input  logic [DepthW-1:0]           cfg_depth_m1_i,
  input  logic                        cfg_clear_i,
  // Input beats
  input  logic                        in_valid_i,
  output logic                        in_ready_o,
  // To the datapath: a beat enters when beat_valid_o; its formats and tags
  output logic                        en_o,
  output logic                        beat_valid_o,
  output logic                        init_o,
  output logic                        last_o,
  output logic [mpsim_pkg::FMT_W-1:0] fmt_a_o,
  output logic [mpsim_pkg::FMT_W-1:0] fmt_b_o,
  // From the output port
  input  logic                        out_valid_i,
  input  logic                        out_ready_i
);
  localparam int MIN_GAP = NumRows > NumCols ? NumRows : NumCols;  // see the file comment
  localparam int GAP_W = $clog2(MIN_GAP + 1);  // gap_q counts 1..MIN_GAP

  logic [mpsim_pkg::FMT_W-1:0] fmt_a_q, fmt_b_q;
  logic [DepthW-1:0] depth_m1_q, beat_q;  // beat_q: index k of the next beat
  logic clear_q;
  logic [GAP_W-1:0] gap_q;  // enabled cycles since the last tile's last beat, saturating

  logic cfg_fire, at_last, spaced, fire;
  assign en_o = !(out_valid_i && !out_ready_i);
  assign cfg_ready_o = beat_q == '0;
  assign cfg_fire = cfg_valid_i && cfg_ready_o;
  assign at_last = beat_q == depth_m1_q;
  assign spaced = gap_q >= GAP_W'(MIN_GAP);
  assign in_ready_o = en_o && !cfg_fire && (!at_last || spaced);
  assign fire = in_valid_i && in_ready_o;

  assign beat_valid_o = fire;
  assign init_o = beat_q == '0 && clear_q;
  assign last_o = at_last;
  assign fmt_a_o = fmt_a_q;
  assign fmt_b_o = fmt_b_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fmt_a_q    <= mpsim_pkg::FMT_W'(mpsim_pkg::FMT_FP32);
      fmt_b_q    <= mpsim_pkg::FMT_W'(mpsim_pkg::FMT_FP32);
      depth_m1_q <= '0;
      clear_q    <= 1'b1;
      beat_q     <= '0;
      gap_q      <= GAP_W'(MIN_GAP);
    end else begin
      if (cfg_fire) begin
        fmt_a_q    <= cfg_fmt_a_i;
        fmt_b_q    <= cfg_fmt_b_i;
        depth_m1_q <= cfg_depth_m1_i;
        clear_q    <= cfg_clear_i;
      end
      if (fire) beat_q <= at_last ? '0 : beat_q + 1'b1;
      if (fire && at_last) begin
        gap_q <= GAP_W'(1);
      end else if (en_o && !spaced) begin
        gap_q <= gap_q + 1'b1;
      end
    end
  end
endmodule
