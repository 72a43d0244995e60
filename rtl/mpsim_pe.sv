// mpsim_pe: one processing element of the output-stationary array. It passes its A operand
// east and its B operand south, one register each, and accumulates C[i][j] = sum_k A[i][k]
// B[k][j] in ascending k with mpsim_mac's datapath: acc = round(acc + a * b) per valid k.
//
// The A operand carries the tile's tags (from mpsim_array_ctrl through the skew buffers):
//   valid_i  this cycle holds an operand pair (a bubble otherwise)
//   init_i   k = 0 of a tile that starts from +0 (model/ dot() with acc = +0); without it the
//            tile goes on from the previous tile's result and flags
//   last_i   k = K-1: the sum is complete; it is copied to res_o and res_valid_o pulses
// The B operand's format travels with it, so tiles of different modes can overlap in the array.
//
// Timing (one enabled cycle = en_i high): operands seen at cycle t reach the adder at
// t + NumPipeRegs (product registers, as in mpsim_mac), and the sum is in acc_q/res_q after
// the edge that ends that cycle. The loop acc_q -> add -> acc_q is one cycle: the ascending-k,
// single-rounding contract allows no other order at one MAC per cycle.
module mpsim_pe #(
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  parameter int AccFmt = mpsim_pkg::FMT_FP32,
  parameter int NumPipeRegs = 0,
  // Operand ports: the widest format of the build.
  localparam int IN_W = mpsim_pkg::mask_max_width(FmtMask),
  // Accumulator and result: one AccFmt code.
  localparam int ACC_W = mpsim_pkg::fmt_width(AccFmt)
) (
  input  logic                            clk_i,
  input  logic                            rst_ni,
  input  logic                            en_i,
  // From the west: A and its tags
  input  logic [IN_W-1:0]                 a_i,
  input  logic [mpsim_pkg::FMT_W-1:0]     fmt_a_i,
  input  logic                            valid_i,
  input  logic                            init_i,
  input  logic                            last_i,
  // From the north: B
  input  logic [IN_W-1:0]                 b_i,
  input  logic [mpsim_pkg::FMT_W-1:0]     fmt_b_i,
  // To the east and south: the same, one cycle later
  output logic [IN_W-1:0]                 a_o,
  output logic [mpsim_pkg::FMT_W-1:0]     fmt_a_o,
  output logic                            valid_o,
  output logic                            init_o,
  output logic                            last_o,
  output logic [IN_W-1:0]                 b_o,
  output logic [mpsim_pkg::FMT_W-1:0]     fmt_b_o,
  // The finished dot product of the last tile, held until the next one finishes
  output logic                            res_valid_o,  // one cycle, when res_o changes
  output logic [ACC_W-1:0]                res_o,
  output logic [mpsim_pkg::NUM_FLAGS-1:0] res_flags_o
);
  // Packed exact product (layout in mpsim_pkg).
  localparam int PROD_W = mpsim_pkg::prod_w(FmtMask);

  // ---- Systolic pass-through ----------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_o <= 1'b0;
      init_o  <= 1'b0;
      last_o  <= 1'b0;
    end else if (en_i) begin
      valid_o <= valid_i;
      init_o  <= init_i;
      last_o  <= last_i;
    end
  end
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      a_o     <= a_i;
      fmt_a_o <= fmt_a_i;
      b_o     <= b_i;
      fmt_b_o <= fmt_b_i;
    end
  end

  // ---- Multiply, product registers ---------------------------------------------------------
  logic [PROD_W-1:0] prod, prod_q;
  logic p_valid, p_init, p_last;

  mpsim_mac_mul #(.FmtMask(FmtMask)) u_mul (
    .fmt_a_i(fmt_a_i),
    .fmt_b_i(fmt_b_i),
    .a_i    (a_i),
    .b_i    (b_i),
    .prod_o (prod)
  );

  mpsim_pipe #(
    .Width(PROD_W + 2),
    .Depth(NumPipeRegs)
  ) u_pipe (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .en_i   (en_i),
    .valid_i(valid_i),
    .data_i ({prod, init_i, last_i}),
    .valid_o(p_valid),
    .data_o ({prod_q, p_init, p_last})
  );

  // ---- Accumulate ---------------------------------------------------------------------------
  logic [ACC_W-1:0] acc_q, acc_src, sum;
  logic [mpsim_pkg::NUM_FLAGS-1:0] flags_q, add_flags, flags_d;

  assign acc_src = p_init ? '0 : acc_q;  // +0 starts a tile
  mpsim_mac_add #(
    .FmtMask(FmtMask),
    .AccFmt (AccFmt)
  ) u_add (
    .acc_i  (acc_src),
    .prod_i (prod_q),
    .acc_o  (sum),
    .flags_o(add_flags)
  );
  // Flags of every step of the dot product are ORed, as model/ dot() does.
  assign flags_d = add_flags | (p_init ? '0 : flags_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q       <= '0;
      flags_q     <= '0;
      res_valid_o <= 1'b0;
      res_o       <= '0;
      res_flags_o <= '0;
    end else if (en_i) begin
      res_valid_o <= p_valid && p_last;
      if (p_valid) begin
        acc_q   <= sum;
        flags_q <= flags_d;
      end
      if (p_valid && p_last) begin
        res_o       <= sum;
        res_flags_o <= flags_d;
      end
    end
  end
endmodule
