// mpsim_fp_unpack: splits one operand, whose format is chosen at run time among the formats of
// the build (FmtMask), into sign, exponent, significand and class. Every format is decoded in
// parallel by wiring and a few comparators (gen_fmt), and fmt_i selects one of them.
//
// A finite value is  (-1)^sign_o * sig_o * 2^(exp_o - (SIG_W - 1)):
//   sig_o  the significand aligned so that the hidden bit sits at bit SIG_W-1 in every format,
//          {hidden, mantissa, zeros}; hidden is 0 for subnormals (exponent field 0), so sig_o
//          is not normalised (mpsim_mac_add normalises the sum once, after the addition).
//   exp_o  the unbiased exponent of bit SIG_W-1: field - bias, or 1 - bias for field 0.
//
// Classes, as model/quantize.hpp decode() reads a code (OCP 8-bit FP spec v1.0 for fn):
//   specials | zero              | inf                    | nan
//   ieee     | field 0, man 0    | field all ones, man 0  | field all ones, man != 0
//   fn       | field 0, man 0    | (none)                 | field and man all ones
// A reserved code, or one left out of FmtMask, reads as NaN so that misuse shows in the result.
// Bits of op_i above the selected format's width are ignored, as decode() ignores them.
module mpsim_fp_unpack #(
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  // Operand port: the widest format of the build.
  localparam int IN_W = mpsim_pkg::mask_max_width(FmtMask),
  // Significand: hidden bit plus the widest mantissa of the build.
  localparam int SIG_W = 1 + mpsim_pkg::mask_max_man_bits(FmtMask),
  // Exponent: every unbiased exponent of the build, signed (fmt_max_abs_exp bounds |exp_o|).
  localparam int EXP_W = mpsim_pkg::signed_width(mpsim_pkg::mask_max_abs_exp(FmtMask))
) (
  input  logic [mpsim_pkg::FMT_W-1:0] fmt_i,
  input  logic [IN_W-1:0]             op_i,
  output logic                        sign_o,
  output logic signed [EXP_W-1:0]     exp_o,
  output logic [SIG_W-1:0]            sig_o,
  output logic                        zero_o,
  output logic                        inf_o,
  output logic                        nan_o
);
  // One decoded operand: {sign, exp, sig, zero, inf, nan}.
  localparam int DEC_W = 1 + EXP_W + SIG_W + 3;

  logic [mpsim_pkg::NUM_FMTS*DEC_W-1:0] dec_all;  // every format's decoding of op_i

  for (genvar g = 0; g < mpsim_pkg::NUM_FMTS; g++) begin : gen_fmt
    if (FmtMask[g]) begin : gen_on
      localparam int E = mpsim_pkg::fmt_exp_bits(g);
      localparam int M = mpsim_pkg::fmt_man_bits(g);
      localparam int BIAS = mpsim_pkg::fmt_bias(g);
      localparam bit IS_FN = mpsim_pkg::fmt_specials(g) == mpsim_pkg::SPECIALS_FN;

      logic         sign;
      logic [E-1:0] field;
      logic [M-1:0] man;
      assign {sign, field, man} = op_i[E+M:0];

      logic field_zero, field_ones, man_zero, man_ones;
      assign field_zero = field == '0;
      assign field_ones = field == '1;
      assign man_zero = man == '0;
      assign man_ones = man == '1;

      logic nan, inf;
      assign nan = IS_FN ? field_ones && man_ones : field_ones && !man_zero;
      assign inf = !IS_FN && field_ones && man_zero;

      // Hidden bit at SIG_W-1, the mantissa right below it, zeros under a narrower mantissa.
      logic [SIG_W-1:0] sig;
      assign sig = ({{(SIG_W - 1) {1'b0}}, !field_zero} << (SIG_W - 1)) |
                   ({{(SIG_W - M) {1'b0}}, man} << (SIG_W - 1 - M));

      // field - bias, or 1 - bias for subnormals and zero; EXP_W holds both (see above).
      localparam logic signed [EXP_W-1:0] BIAS_E = EXP_W'(BIAS);
      logic signed [EXP_W-1:0] exp_u;
      assign exp_u = $signed({{(EXP_W - E) {1'b0}}, field_zero ? E'(1) : field}) - BIAS_E;

      assign dec_all[g*DEC_W+:DEC_W] = {sign, exp_u, sig, field_zero && man_zero, inf, nan};
    end else begin : gen_off
      assign dec_all[g*DEC_W+:DEC_W] = {{(DEC_W - 1) {1'b0}}, 1'b1};  // not built: NaN
    end
  end

  // Select by code; a reserved code keeps the NaN default.
  logic [DEC_W-1:0] dec;
  always_comb begin
    dec = {{(DEC_W - 1) {1'b0}}, 1'b1};
    for (int c = 0; c < mpsim_pkg::NUM_FMTS; c++) begin
      if (fmt_i == c[mpsim_pkg::FMT_W-1:0]) dec = dec_all[c*DEC_W+:DEC_W];
    end
  end
  assign {sign_o, exp_o, sig_o, zero_o, inf_o, nan_o} = dec;
endmodule
