// mpsim_pipe: Depth register stages carrying a valid bit and Width bits of data, advancing when
// en_i is high (the array's global stall). Depth 0 is a wire. valid is reset; data is not (it
// means nothing while valid is low).
module mpsim_pipe #(
  parameter int Width = 1,
  parameter int Depth = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,
  input  logic             valid_i,
  input  logic [Width-1:0] data_i,
  output logic             valid_o,
  output logic [Width-1:0] data_o
);
  if (Depth == 0) begin : gen_wire
    assign valid_o = valid_i;
    assign data_o = data_i;
    logic unused_ctrl;  // a wire needs no clock
    assign unused_ctrl = ^{clk_i, rst_ni, en_i};
  end else begin : gen_regs
    // Stage s holds bit s of valid_q and bits [s*Width +: Width] of data_q; the chains put the
    // input below stage 0 so that one shift advances every stage.
    logic [Depth-1:0] valid_q;
    logic [Depth*Width-1:0] data_q;
    logic [Depth:0] valid_chain;
    logic [(Depth+1)*Width-1:0] data_chain;
    assign valid_chain = {valid_q, valid_i};
    assign data_chain = {data_q, data_i};
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        valid_q <= '0;
      end else if (en_i) begin
        valid_q <= valid_chain[Depth-1:0];
      end
    end
    always_ff @(posedge clk_i) begin
      if (en_i) data_q <= data_chain[Depth*Width-1:0];
    end
    assign valid_o = valid_chain[Depth];
    assign data_o = data_chain[Depth*Width+:Width];
  end
endmodule
