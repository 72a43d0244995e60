// mpsim_mac_add: second half of the MAC, acc_o = round(acc_i + product) with one rounding,
// nearest-even, in the accumulator format AccFmt (an ieee format: fp32, fp16 or bf16). This is
// model/mac.hpp mac() with Overflow::infinity: same result bits, same flags, same NaN.
//
// Exact sum in a window: the fused multiply-add datapath (as in Berkeley hardfloat's
// MulAddRecFN or cvfpu's fpnew_fma), with the widths worked out for a product of two
// PSIG_W/2-bit significands and an accumulator of another format:
//
//   product P = psig * 2^lp   (PSIG_W bits, lp = pexp - PROD_SHIFT)
//   addend  A = asig * 2^lc   (PA = ACC_M+1 bits, lc = aexp - ACC_M)
//
//   window bit:  WW-1 ....... PSIG_W+PA+3 | PSIG_W+PA+2 ...... PA+3 | PA+2 ....... 0 | sticky
//                A may sit up to PA+2     |  P, at a fixed place    | PA+3 bits below| A's bits
//                bits above P's top       |                         | P's LSB        | below 0
//
//   WW = PSIG_W + 2 PA + 5; the window's bit 0 weighs 2^lw with lw = lp - PA - 3, and A's LSB
//   lands at d = lc - lw = aexp - pexp + PROD_SHIFT + 4.
//
// Why these widths give the exact rounding (each case is also a directed test):
// - A above the window (d > WW - PA, nonzero A): A is placed at the top and P two bits below
//   its LSB, which is where P is not. Harmless: the result keeps A's LSB or one bit below it
//   (after a borrow), so its guard bit lies above P either way, and the bits between A and P
//   are all zeros (addition) or all ones (subtraction) in both pictures; P only sets sticky.
//   The window then hangs from A: lw = lc - (WW - PA).
// - A partly or wholly below bit 0 (d < 0): the lost bits become `sticky`, a value in (0, 1)
//   units of bit 0. Then A < 2^(lp-3) <= P/8, so the result is >= 2^(lp-1), its rounding
//   position >= lp - PA = lw + 3, and the guard bit >= lw + 2: two whole bits above the loss.
//   Subtraction borrows the lost part as one unit at bit 0 (mag = P - A_win - 1), addition
//   leaves it out (mag = P + A_win); in both the exact sum lies in (mag, mag + 1), so the
//   leading one of mag is that of the exact sum (a power of two is never strictly inside) and
//   the rounding sees guard from mag and sticky from the rest of mag or the lost bits.
// - Otherwise A lies wholly in the window and mag is the exact sum.
// No sum carries out of WW bits: A's top is at most WW-1 with A < 2^WW - 2^(WW-PA) and P below.
//
// Rounding (model/quantize.hpp round_to_format, the same decision): e_msb = lw + (index of
// mag's leading one) is floor(log2 |sum|); the result's quantum is 2^r with
// r = max(e_msb - ACC_M, QEXP) (QEXP: the subnormal quantum). kept = mag >> (r - lw), guard is
// the next bit down, sticky the rest; round up when guard and (sticky or kept odd). A carry to
// 2^PA moves one binade up. tiny = e_msb < EMIN before rounding; flags as model/ Flags:
// inexact = guard | sticky, underflow = tiny & inexact, overflow (-> Inf) when the biased
// exponent reaches all ones; then inexact too.
module mpsim_mac_add #(
  parameter int FmtMask = mpsim_pkg::FMT_MASK_ALL,
  parameter int AccFmt = mpsim_pkg::FMT_FP32,
  // Accumulator port: one code of AccFmt.
  localparam int ACC_W = mpsim_pkg::fmt_width(AccFmt),
  // Packed product from mpsim_mac_mul (layout in mpsim_pkg).
  localparam int PROD_W = mpsim_pkg::prod_w(FmtMask)
) (
  input  logic [ACC_W-1:0]               acc_i,
  input  logic [PROD_W-1:0]              prod_i,
  output logic [ACC_W-1:0]               acc_o,
  output logic [mpsim_pkg::NUM_FLAGS-1:0] flags_o
);
  localparam int ACC_E = mpsim_pkg::fmt_exp_bits(AccFmt);
  localparam int ACC_M = mpsim_pkg::fmt_man_bits(AccFmt);
  localparam int ACC_BIAS = mpsim_pkg::fmt_bias(AccFmt);
  localparam int PA = ACC_M + 1;  // accumulator precision (significand bits)
  localparam int EMIN = 1 - ACC_BIAS;  // exponent of the smallest normal
  localparam int QEXP = EMIN - ACC_M;  // exponent of the subnormal quantum
  // Accumulator exponent as mpsim_fp_unpack gives it: every unbiased exponent of AccFmt, signed.
  localparam int AEXP_W = mpsim_pkg::signed_width(mpsim_pkg::fmt_max_abs_exp(AccFmt));

  // Product fields (mpsim_pkg layout).
  localparam int PEXP_W = mpsim_pkg::prod_exp_w(FmtMask);
  localparam int PSIG_W = mpsim_pkg::prod_sig_w(FmtMask);
  localparam int PROD_SHIFT = mpsim_pkg::prod_shift(FmtMask);

  // The window (file comment): P's PSIG_W bits, PA+2 above them for A, PA+3 below.
  localparam int WW = PSIG_W + 2 * PA + 5;
  localparam int A_TOP = WW - PA;  // highest position of A's LSB in the window
  // Addend shifter input: A's PA bits over WW+PA zeros, so that a right shift by WW - d
  // (>= PA) leaves A at window position d and the bits it pushes below bit 0 in the low PA.
  localparam int AVEC_W = WW + 2 * PA;
  localparam int ASH_MAX = WW + PA;  // a shift this large or larger leaves A all in sticky
  localparam int ASH_W = $clog2(ASH_MAX + 1);  // holds 0..ASH_MAX
  // Rounding shifter input: mag over PA zeros, so that a right shift by r - lw + PA >= 1
  // (r >= e_msb - ACC_M and e_msb >= lw) is never a left shift.
  localparam int RVEC_W = WW + PA;
  localparam int RSH_MAX = RVEC_W + 1;  // shift past every bit: kept 0, guard 0, all sticky
  localparam int RSH_W = $clog2(RSH_MAX + 1);  // holds 0..RSH_MAX
  localparam int LEAD_W = $clog2(WW);  // index of mag's leading one, 0..WW-1
  localparam int LZ_W = 1 << LEAD_W;  // mag padded below to a power of two for the count
  // Exponent arithmetic (d, lw, e_msb, r, the shifts): bounded by the product and accumulator
  // exponents plus the window and shift constants added to them, signed.
  localparam int X_W = mpsim_pkg::signed_width(2 * mpsim_pkg::mask_max_abs_exp(FmtMask) +
      mpsim_pkg::fmt_max_abs_exp(AccFmt) + PROD_SHIFT + 2 * WW + 2 * PA + 8);

  localparam logic signed [X_W-1:0] D_OFFSET = X_W'(PROD_SHIFT + 4);
  localparam logic signed [X_W-1:0] A_TOP_X = X_W'(A_TOP);
  localparam logic signed [X_W-1:0] WW_X = X_W'(WW);
  localparam logic signed [X_W-1:0] ASH_MAX_X = X_W'(ASH_MAX);
  localparam logic signed [X_W-1:0] RSH_MAX_X = X_W'(RSH_MAX);
  localparam logic signed [X_W-1:0] LW_FROM_P = X_W'(PROD_SHIFT + PA + 3);  // lw = pexp - this
  localparam logic signed [X_W-1:0] LW_FROM_A = X_W'(ACC_M + A_TOP);  // clamped: lw = aexp - this
  localparam logic signed [X_W-1:0] ACC_M_X = X_W'(ACC_M);
  localparam logic signed [X_W-1:0] PA_X = X_W'(PA);
  localparam logic signed [X_W-1:0] EMIN_X = X_W'(EMIN);
  localparam logic signed [X_W-1:0] QEXP_X = X_W'(QEXP);
  localparam logic signed [X_W-1:0] BIAS_X = X_W'(ACC_BIAS);
  localparam logic signed [X_W-1:0] EXP_ONES_X = X_W'((1 << ACC_E) - 1);  // Inf's exponent

  // ---- Operands ---------------------------------------------------------------------------
  logic p_sign, p_zero, p_inf, p_nan, p_invalid;
  logic signed [PEXP_W-1:0] p_exp;
  logic [PSIG_W-1:0] p_sig;
  assign {p_sign, p_exp, p_sig, p_zero, p_inf, p_nan, p_invalid} = prod_i;

  logic a_sign, a_zero, a_inf, a_nan;
  logic signed [AEXP_W-1:0] a_exp;
  logic [PA-1:0] a_sig;
  mpsim_fp_unpack #(.FmtMask(1 << AccFmt)) u_unpack_acc (
    .fmt_i (mpsim_pkg::FMT_W'(AccFmt)),
    .op_i  (acc_i),
    .sign_o(a_sign),
    .exp_o (a_exp),
    .sig_o (a_sig),
    .zero_o(a_zero),
    .inf_o (a_inf),
    .nan_o (a_nan)
  );

  logic signed [X_W-1:0] p_exp_x, a_exp_x;
  assign p_exp_x = {{(X_W - PEXP_W) {p_exp[PEXP_W-1]}}, p_exp};
  assign a_exp_x = {{(X_W - AEXP_W) {a_exp[AEXP_W-1]}}, a_exp};

  // ---- Alignment --------------------------------------------------------------------------
  logic signed [X_W-1:0] d, lw, a_shift;
  logic clamp;
  // A zero addend never anchors the window: the product decides its place.
  assign d = a_exp_x - p_exp_x + D_OFFSET;
  assign clamp = !a_zero && d > A_TOP_X;
  assign lw = clamp ? a_exp_x - LW_FROM_A : p_exp_x - LW_FROM_P;
  assign a_shift = d > A_TOP_X ? WW_X - A_TOP_X : WW_X - d;  // >= PA

  logic [ASH_W-1:0] a_shift_c;
  assign a_shift_c = a_shift > ASH_MAX_X ? ASH_W'(ASH_MAX) : a_shift[ASH_W-1:0];

  logic [AVEC_W-1:0] a_vec;
  logic [WW-1:0] a_win, p_win;
  logic a_lost;  // A had bits below the window
  assign a_vec = {a_sig, {(WW + PA) {1'b0}}} >> a_shift_c;
  assign a_win = a_vec[WW+PA-1:PA];
  assign a_lost = |a_vec[PA-1:0];
  assign p_win = {{(WW - PSIG_W) {1'b0}}, p_sig} << (PA + 3);

  // The shift is never below PA, so a_vec's top PA bits are always zero.
  logic unused_a_vec_top;
  assign unused_a_vec_top = ^a_vec[AVEC_W-1:WW+PA];

  // ---- Addition ---------------------------------------------------------------------------
  logic sub, neg;
  logic [WW:0] diff;
  logic [WW-1:0] mag;
  logic sum_sign;
  assign sub = p_sign ^ a_sign;
  assign diff = {1'b0, p_win} - {1'b0, a_win} - {{WW{1'b0}}, a_lost};
  assign neg = diff[WW];  // only when A > P, and then nothing was lost
  always_comb begin
    if (!sub) begin
      mag = p_win + a_win;
      sum_sign = p_sign;
    end else if (neg) begin
      mag = a_win - p_win;
      sum_sign = a_sign;
    end else begin
      mag = diff[WW-1:0];
      sum_sign = p_sign;
    end
  end

  // ---- Normalisation and rounding ---------------------------------------------------------
  // Leading one of mag: count the leading zeros of mag, left-aligned in LZ_W = 2^LEAD_W bits,
  // by halving (a log-depth normaliser: the stage for bit s of the count shifts by 2^s when the
  // top 2^s bits are zero), rather than a priority chain as long as the window.
  // (split_var: each stage reads the one above it in the same vector, which Verilator would
  // otherwise schedule as a combinational loop.)
  logic [(LEAD_W+1)*LZ_W-1:0] lz_stages  /* verilator split_var */;  // stage t: [t*LZ_W +: LZ_W]
  logic [LEAD_W-1:0] lz  /* verilator split_var */;
  logic [LEAD_W-1:0] lead;
  assign lz_stages[LEAD_W*LZ_W+:LZ_W] = {mag, {(LZ_W - WW) {1'b0}}};
  for (genvar t = 0; t < LEAD_W; t++) begin : gen_lz
    localparam int S = LEAD_W - 1 - t;  // count bit decided here, largest first
    logic [LZ_W-1:0] v;
    assign v = lz_stages[(S+1)*LZ_W+:LZ_W];
    assign lz[S] = v[LZ_W-1-:(1<<S)] == '0;
    assign lz_stages[S*LZ_W+:LZ_W] = lz[S] ? v << (1 << S) : v;
  end
  logic unused_lz_last;  // the fully normalised vector is not needed, only the count
  assign unused_lz_last = ^lz_stages[LZ_W-1:0];
  assign lead = LEAD_W'(WW - 1) - lz;  // mag != 0 here; mag == 0 is the exact-zero case

  logic signed [X_W-1:0] e_msb, r, r_shift;
  logic tiny;
  assign e_msb = lw + {{(X_W - LEAD_W) {1'b0}}, lead};
  assign tiny = e_msb < EMIN_X;
  assign r = e_msb - ACC_M_X > QEXP_X ? e_msb - ACC_M_X : QEXP_X;
  assign r_shift = r - lw + PA_X;  // >= 1

  logic [RSH_W-1:0] r_shift_c;
  assign r_shift_c = r_shift > RSH_MAX_X ? RSH_W'(RSH_MAX) : r_shift[RSH_W-1:0];

  logic [RVEC_W-1:0] r_vec, r_kept_vec, r_guard_vec, r_below_mask;
  logic [PA-1:0] kept;
  logic guard, sticky, round_up;
  assign r_vec = {mag, {PA{1'b0}}};
  assign r_kept_vec = r_vec >> r_shift_c;
  assign r_guard_vec = r_vec >> (r_shift_c - RSH_W'(1));
  assign r_below_mask = ~({RVEC_W{1'b1}} << (r_shift_c - RSH_W'(1)));
  assign kept = r_kept_vec[PA-1:0];  // < 2^PA by the choice of r
  assign guard = r_guard_vec[0];
  assign sticky = |(r_vec & r_below_mask) || a_lost;
  assign round_up = guard && (sticky || kept[0]);

  // kept is below 2^PA (r >= e_msb - ACC_M) and r_guard_vec's upper bits are those of kept.
  logic unused_r_vecs;
  assign unused_r_vecs = ^{r_kept_vec[RVEC_W-1:PA], r_guard_vec[RVEC_W-1:1]};

  logic [PA:0] rounded;  // kept + 1 can reach 2^PA: 1.11..1 rounds to 10.00..0
  logic carry, normal;
  logic signed [X_W-1:0] biased;
  logic [ACC_M-1:0] man;
  assign rounded = {1'b0, kept} + {{PA{1'b0}}, round_up};
  assign carry = rounded[PA];
  assign normal = carry || rounded[ACC_M];
  // Normal: r + ACC_M is the exponent of the hidden bit (one more after a carry).
  assign biased = !normal ? '0 : r + ACC_M_X + BIAS_X + (carry ? X_W'(1) : X_W'(0));
  assign man = carry ? '0 : rounded[ACC_M-1:0];

  logic overflow, inexact;
  assign overflow = biased >= EXP_ONES_X;
  assign inexact = guard || sticky;

  // ---- Result -----------------------------------------------------------------------------
  localparam logic [ACC_W-1:0] NAN_CODE = ACC_W'(((1 << ACC_E) - 1) << ACC_M | (1 << (ACC_M - 1)));
  localparam logic [ACC_W-1:0] INF_MAG = ACC_W'(((1 << ACC_E) - 1) << ACC_M);

  always_comb begin
    flags_o = '0;
    if (p_nan || a_nan) begin
      acc_o = NAN_CODE;
    end else if (p_invalid || (p_inf && a_inf && p_sign != a_sign)) begin
      acc_o = NAN_CODE;  // Inf * 0, or Inf - Inf
      flags_o[mpsim_pkg::FLAG_INVALID] = 1'b1;
    end else if (p_inf) begin
      acc_o = {p_sign, INF_MAG[ACC_W-2:0]};
    end else if (a_inf) begin
      acc_o = acc_i;
    end else if (p_zero) begin
      // acc + 0 is acc; +0 + -0 is +0 in round to nearest (IEEE 754 6.3).
      acc_o = a_zero ? {p_sign && a_sign, {(ACC_W - 1) {1'b0}}} : acc_i;
    end else if (mag == '0) begin
      acc_o = '0;  // exact cancellation: +0 in round to nearest (IEEE 754 6.3)
    end else if (overflow) begin
      acc_o = {sum_sign, INF_MAG[ACC_W-2:0]};
      flags_o[mpsim_pkg::FLAG_OVERFLOW] = 1'b1;
      flags_o[mpsim_pkg::FLAG_INEXACT] = 1'b1;
    end else begin
      acc_o = {sum_sign, biased[ACC_E-1:0], man};
      flags_o[mpsim_pkg::FLAG_UNDERFLOW] = tiny && inexact;
      flags_o[mpsim_pkg::FLAG_INEXACT] = inexact;
    end
  end

`ifndef SYNTHESIS
  initial begin
    if (mpsim_pkg::fmt_specials(AccFmt) != mpsim_pkg::SPECIALS_IEEE) begin
      $fatal(1, "mpsim_mac_add: AccFmt %0d is not an ieee format (fp32, fp16, bf16)", AccFmt);
    end
  end
`endif
endmodule
