// mpsim_pkg: the RTL's format table and the constants every module shares. It mirrors
// model/float_format.hpp: the format codes are the indices of the RTL-supported prefix of
// kPresets (same names, same order), and a format's row holds the same fields as FloatFormat.
//
//   code | name | exp_bits | man_bits | bias | specials | width | model/ preset
//   -----+------+----------+----------+------+----------+-------+-----------------------------
//     0  | fp32 |     8    |    23    |  127 | ieee     |   32  | formats::fp32 (binary32)
//     1  | fp16 |     5    |    10    |   15 | ieee     |   16  | formats::fp16 (binary16)
//     2  | bf16 |     8    |     7    |  127 | ieee     |   16  | formats::bf16
//     3  | e4m3 |     4    |     3    |    7 | fn       |    8  | formats::e4m3 (OCP E4M3FN)
//     4  | e5m2 |     5    |     2    |   15 | ieee     |    8  | formats::e5m2 (OCP E5M2)
//    5-7 | reserved: an operand with a reserved code, or a code the build leaves out, reads as NaN
//
// A code travels in FMT_W bits. An operand of a narrow format sits in the low `width` bits of
// its port; the bits above are ignored (as model/'s decode() ignores bits above total_bits()).
// Adding a format: one FMT_* name, one row in fmt_row(), NUM_FMTS + 1 (and the row in model/).
//
// Subset: this package is read by Verilator 5.006 and yosys 0.23 (rtl/README.md, "Language").
// Modules name its members with the package prefix (mpsim_pkg::FMT_FP32); yosys 0.23 rejects
// `import`, `return`, casts and package-qualified enum constants, so there are none here: the
// "enums" are int localparams and functions assign to their own name.
package mpsim_pkg;

  // ---- Format codes (model/float_format.hpp kPresets order) -------------------------------
  localparam int FMT_FP32 = 0;
  localparam int FMT_FP16 = 1;
  localparam int FMT_BF16 = 2;
  localparam int FMT_E4M3 = 3;
  localparam int FMT_E5M2 = 4;
  localparam int NUM_FMTS = 5;
  localparam int FMT_W = 3;  // bits of a format code: holds codes 0..7, NUM_FMTS <= 8

  // Format masks for build parameters: bit c set = format code c is supported.
  localparam int FMT_MASK_ALL = (1 << NUM_FMTS) - 1;
  // Named for builds and the flow scripts (-GFmtMask=24); no module refers to it.
  /* verilator lint_off UNUSEDPARAM */
  localparam int FMT_MASK_FP8 = (1 << FMT_E4M3) | (1 << FMT_E5M2);
  /* verilator lint_on UNUSEDPARAM */

  // ---- Specials conventions (model/ enum class Specials, same order) ----------------------
  localparam int SPECIALS_IEEE = 0;  // Inf = all-ones exponent, zero mantissa; NaN otherwise
  localparam int SPECIALS_FN = 1;    // no Inf; all-ones exponent and mantissa is NaN (OCP E4M3)
  // Listed so that the codes mirror model/; no RTL format uses them yet.
  /* verilator lint_off UNUSEDPARAM */
  localparam int SPECIALS_FNUZ = 2;  // no Inf, no -0; 0x80 is NaN (ml_dtypes)
  localparam int SPECIALS_NONE = 3;  // every code finite (QPyTorch formats)
  /* verilator lint_on UNUSEDPARAM */

  // ---- Exception flags: bit i of a flags vector; as model/rounding.hpp Flags::bits ---------
  localparam int FLAG_INVALID = 0;    // Flags::kInvalid   = 1
  localparam int FLAG_OVERFLOW = 1;   // Flags::kOverflow  = 2
  localparam int FLAG_UNDERFLOW = 2;  // Flags::kUnderflow = 4
  localparam int FLAG_INEXACT = 3;    // Flags::kInexact   = 8
  localparam int NUM_FLAGS = 4;

  // ---- The table ----------------------------------------------------------------------------
  // Field selectors into a row.
  localparam int FIELD_SPECIALS = 0;
  localparam int FIELD_BIAS = 1;
  localparam int FIELD_MAN_BITS = 2;
  localparam int FIELD_EXP_BITS = 3;

  // One row per format: {exp_bits, man_bits, bias, specials}, 8 bits each. A reserved code
  // returns an all-zero row (0 exponent bits), which no caller elaborates.
  function automatic int fmt_param(input int code, input int field);
    logic [31:0] row;
    case (code)
      //                    exp_bits man_bits bias     specials
      FMT_FP32: row = {8'd8, 8'd23, 8'd127, 8'(SPECIALS_IEEE)};
      FMT_FP16: row = {8'd5, 8'd10, 8'd15, 8'(SPECIALS_IEEE)};
      FMT_BF16: row = {8'd8, 8'd7, 8'd127, 8'(SPECIALS_IEEE)};
      FMT_E4M3: row = {8'd4, 8'd3, 8'd7, 8'(SPECIALS_FN)};
      FMT_E5M2: row = {8'd5, 8'd2, 8'd15, 8'(SPECIALS_IEEE)};
      default: row = 32'd0;
    endcase
    fmt_param = {24'd0, row[8*field+:8]};
  endfunction

  function automatic int fmt_exp_bits(input int code);
    fmt_exp_bits = fmt_param(code, FIELD_EXP_BITS);
  endfunction
  function automatic int fmt_man_bits(input int code);
    fmt_man_bits = fmt_param(code, FIELD_MAN_BITS);
  endfunction
  function automatic int fmt_bias(input int code);
    fmt_bias = fmt_param(code, FIELD_BIAS);
  endfunction
  function automatic int fmt_specials(input int code);
    fmt_specials = fmt_param(code, FIELD_SPECIALS);
  endfunction
  function automatic int fmt_width(input int code);  // total bits: sign + exponent + mantissa
    fmt_width = 1 + fmt_exp_bits(code) + fmt_man_bits(code);
  endfunction
  // Largest |exponent| a value of the format can carry, counting the subnormal quantum:
  // bias + man_bits bounds the LSB of the smallest subnormal, 2^exp_bits - bias the top binade.
  function automatic int fmt_max_abs_exp(input int code);
    int lo, hi;
    lo = fmt_bias(code) + fmt_man_bits(code);
    hi = (1 << fmt_exp_bits(code)) - fmt_bias(code);
    fmt_max_abs_exp = lo > hi ? lo : hi;
  endfunction

  // ---- Maxima over the formats of a build (FmtMask parameters) -----------------------------
  localparam int MEASURE_WIDTH = 0;  // fmt_width
  localparam int MEASURE_MAN_BITS = 1;  // fmt_man_bits
  localparam int MEASURE_ABS_EXP = 2;  // fmt_max_abs_exp
  function automatic int fmt_measure(input int code, input int measure);
    case (measure)
      MEASURE_WIDTH: fmt_measure = fmt_width(code);
      MEASURE_MAN_BITS: fmt_measure = fmt_man_bits(code);
      default: fmt_measure = fmt_max_abs_exp(code);
    endcase
  endfunction
  // The largest `measure` over the formats whose bits are set in `mask`.
  function automatic int mask_max(input int mask, input int measure);
    mask_max = 0;
    for (int c = 0; c < NUM_FMTS; c++)
      if (mask[c] && fmt_measure(c, measure) > mask_max) mask_max = fmt_measure(c, measure);
  endfunction
  function automatic int mask_max_width(input int mask);
    mask_max_width = mask_max(mask, MEASURE_WIDTH);
  endfunction
  function automatic int mask_max_man_bits(input int mask);
    mask_max_man_bits = mask_max(mask, MEASURE_MAN_BITS);
  endfunction
  function automatic int mask_max_abs_exp(input int mask);
    mask_max_abs_exp = mask_max(mask, MEASURE_ABS_EXP);
  endfunction

  // Bits of a two's-complement number holding every integer in [-bound, bound].
  function automatic int signed_width(input int bound);
    signed_width = $clog2(bound + 1) + 1;
  endfunction

  // ---- The exact product, as it travels from mpsim_mac_mul to mpsim_mac_add ---------------
  //   {sign, exp (prod_exp_w, signed), sig (prod_sig_w), zero, inf, nan, invalid}
  // value = (-1)^sign * sig * 2^(exp - prod_shift); the four class bits are exclusive and, when
  // one is set, sign/exp/sig do not matter (mpsim_mac_mul documents each).
  function automatic int prod_sig_w(input int mask);  // two significands multiplied exactly
    prod_sig_w = 2 * (1 + mask_max_man_bits(mask));
  endfunction
  function automatic int prod_shift(input int mask);  // sig's binary point: 2 (SIG_W - 1)
    prod_shift = 2 * mask_max_man_bits(mask);
  endfunction
  function automatic int prod_exp_w(input int mask);  // the sum of two operand exponents
    prod_exp_w = signed_width(2 * mask_max_abs_exp(mask));
  endfunction
  function automatic int prod_w(input int mask);
    prod_w = 1 + prod_exp_w(mask) + prod_sig_w(mask) + 4;
  endfunction

endpackage
