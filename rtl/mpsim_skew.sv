// mpsim_skew: skew buffer of NumLanes lanes, lane l delayed by l cycles (lane 0 passes
// straight through), advancing when en_i is high. The array contract (DESIGN.md): row i of A
// enters i cycles after row 0, column j of B j cycles after column 0. Each lane carries a
// valid bit (reset) and Width bits of data (not reset; meaningless while valid is low).
module mpsim_skew #(
  parameter int NumLanes = 4,
  parameter int Width = 1
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  input  logic                      en_i,
  input  logic [NumLanes-1:0]       valid_i,
  input  logic [NumLanes*Width-1:0] data_i,
  output logic [NumLanes-1:0]       valid_o,
  output logic [NumLanes*Width-1:0] data_o
);
  for (genvar l = 0; l < NumLanes; l++) begin : gen_lane
    mpsim_pipe #(
      .Width(Width),
      .Depth(l)
    ) u_delay (
      .clk_i  (clk_i),
      .rst_ni (rst_ni),
      .en_i   (en_i),
      .valid_i(valid_i[l]),
      .data_i (data_i[l*Width+:Width]),
      .valid_o(valid_o[l]),
      .data_o (data_o[l*Width+:Width])
    );
  end
endmodule
