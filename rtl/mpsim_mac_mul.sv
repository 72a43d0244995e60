// mpsim_mac_mul: first half of the MAC. Decodes a and b, each in its own run-time format, and
// forms their exact product (no rounding: two SIG_W-bit significands give a PROD_SIG_W-bit
// one), plus the class of the product, which decides the MAC result when it is special.
//
// The product leaves as one packed vector, prod_o, in the layout of mpsim_pkg ("The exact
// product"): {sign, exp, sig, zero, inf, nan, invalid} with value sig * 2^(exp - PROD_SHIFT).
// sig is not normalised (subnormal inputs leave leading zeros); mpsim_mac_add normalises once.
//
// Product classes, in model/mac.hpp's order of checks (the first that holds wins):
//   nan      a or b is NaN                      -> result is the accumulator's NaN, no flag
//   invalid  Inf * 0 or 0 * Inf                 -> NaN, invalid flag
//   inf      Inf * nonzero                      -> Inf (unless the accumulator is NaN or -Inf)
//   zero     0 * finite                         -> result is the accumulator (signed-zero rule)
module mpsim_mac_mul #(
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  // Operand ports: the widest format of the build.
  localparam int IN_W = mpsim_pkg::mask_max_width(FmtMask),
  // Packed product, see mpsim_pkg.
  localparam int PROD_W = mpsim_pkg::prod_w(FmtMask)
) (
  input  logic [mpsim_pkg::FMT_W-1:0] fmt_a_i,
  input  logic [mpsim_pkg::FMT_W-1:0] fmt_b_i,
  input  logic [IN_W-1:0]             a_i,
  input  logic [IN_W-1:0]             b_i,
  output logic [PROD_W-1:0]           prod_o
);
  // Significand: hidden bit plus the widest mantissa (mpsim_fp_unpack).
  localparam int SIG_W = 1 + mpsim_pkg::mask_max_man_bits(FmtMask);
  // Operand exponent: every unbiased exponent of the build, signed (mpsim_fp_unpack).
  localparam int EXP_W = mpsim_pkg::signed_width(mpsim_pkg::mask_max_abs_exp(FmtMask));
  // Product exponent: the sum of two operand exponents; product significand: 2 SIG_W bits.
  localparam int PEXP_W = mpsim_pkg::prod_exp_w(FmtMask);
  localparam int PSIG_W = mpsim_pkg::prod_sig_w(FmtMask);

  logic a_sign, a_zero, a_inf, a_nan, b_sign, b_zero, b_inf, b_nan;
  logic signed [EXP_W-1:0] a_exp, b_exp;
  logic [SIG_W-1:0] a_sig, b_sig;

  mpsim_fp_unpack #(.FmtMask(FmtMask)) u_unpack_a (
    .fmt_i (fmt_a_i),
    .op_i  (a_i),
    .sign_o(a_sign),
    .exp_o (a_exp),
    .sig_o (a_sig),
    .zero_o(a_zero),
    .inf_o (a_inf),
    .nan_o (a_nan)
  );

  mpsim_fp_unpack #(.FmtMask(FmtMask)) u_unpack_b (
    .fmt_i (fmt_b_i),
    .op_i  (b_i),
    .sign_o(b_sign),
    .exp_o (b_exp),
    .sig_o (b_sig),
    .zero_o(b_zero),
    .inf_o (b_inf),
    .nan_o (b_nan)
  );

  // Exact product: hidden bits at SIG_W-1 each, so the binary point sits at 2 (SIG_W - 1).
  logic [PSIG_W-1:0] sig;
  assign sig = {{SIG_W{1'b0}}, a_sig} * {{SIG_W{1'b0}}, b_sig};

  logic signed [PEXP_W-1:0] exp_sum;
  assign exp_sum = {{(PEXP_W - EXP_W) {a_exp[EXP_W-1]}}, a_exp} +
                   {{(PEXP_W - EXP_W) {b_exp[EXP_W-1]}}, b_exp};

  logic nan, invalid, inf, zero;
  assign nan = a_nan || b_nan;
  assign invalid = !nan && ((a_inf && b_zero) || (a_zero && b_inf));
  assign inf = !nan && !invalid && (a_inf || b_inf);
  assign zero = !nan && !invalid && !inf && (a_zero || b_zero);

  assign prod_o = {a_sign ^ b_sign, exp_sum, sig, zero, inf, nan, invalid};
endmodule
