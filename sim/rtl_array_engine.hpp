// The `rtl` engine: rtl/'s array itself (mpsim_array_top, Verilated with --sc as
// mpsim_rtl_array_sc) under the same SystemC kernel as the rest of the model, clocked one cycle
// per SystemC nanosecond and fed real operand bits. It exists to hold the model engine to the
// RTL: same folds, same cycles (sim/model_array_engine.hpp), and every result element checked
// bit for bit against model/'s dot().
//
// Operands: the workload carries shapes and formats, not values, so each op gets seeded random
// A (M x K) and B (K x N) in its formats, exponents near the bias so that sums stay finite,
// unless use_bits() hands it the codes of every op (and takes the results back).
// Fold (i, j) streams K beats: beat k carries A[i*R + r][k] for each row r and B[k][j*C + c]
// for each column c (zeros past the edge of a partial fold, whose extra results are dropped).
//
// Only the build's configuration runs here (MPSIM_RTL_SC_*: 4x4, one product register, fp32
// accumulation, every input format): output-stationary, one lane, K up to 2^16, and every fold's
// operands on chip at once; unsupported() says which condition an op breaks.
#pragma once

#include <systemc>

#include <cstdint>
#include <string>
#include <vector>

#include "Vmpsim_array_top_sc.h"
#include "sim/array_engine.hpp"
#include "sim/hw_config.hpp"
#include "sim/simulator.hpp"

namespace mpsim::sim {

class RtlArrayEngine : public sc_core::sc_module, public ArrayEngine {
 public:
  static constexpr int kRows = MPSIM_RTL_SC_ROWS, kCols = MPSIM_RTL_SC_COLS, kPipe = MPSIM_RTL_SC_PIPE_REGS;
  static constexpr int kInW = 32;   // every format built: operands are as wide as fp32
  static constexpr int kAccW = 32;  // fp32 accumulation
  static_assert(MPSIM_RTL_SC_FMT_MASK == 31 && MPSIM_RTL_SC_ACC_FMT == 0, "the engine assumes this RTL build");

  explicit RtlArrayEngine(sc_core::sc_module_name name);

  // "" when the engine can run op on hw, else why not and what is allowed.
  static std::string unsupported(const GemmOp& op, const HwConfig& hw);

  // The next job's operands, one entry per op in order (nullptr: seeded random ones); each
  // op's results are written to its entry's c.
  void use_bits(std::vector<RtlOpBits>* bits) {
    bits_ = bits;
    op_index_ = 0;
  }

  void prepare() override;
  void begin_op(const GemmOp& op, const OpPlan& plan, std::uint64_t seed) override;
  void run_group(std::int64_t g) override;
  void wait_group_done(std::int64_t g) override;
  void end_op() override;
  std::int64_t checked() const override { return checked_; }
  std::int64_t mismatches() const override { return mismatches_; }

 private:
  void clocked();  // the clock, the stimulus and the output capture, one cycle per iteration
  bool busy() const;
  void check_fold(std::int64_t fold);

  // The DUT and its nets (names as the RTL ports, rtl/README.md "Interfaces").
  sc_core::sc_signal<bool> clk_{"clk"}, rst_n_{"rst_n"};
  sc_core::sc_signal<bool> cfg_valid_{"cfg_valid"}, cfg_ready_{"cfg_ready"}, cfg_clear_{"cfg_clear"};
  sc_core::sc_signal<std::uint32_t> cfg_fmt_a_{"cfg_fmt_a"}, cfg_fmt_b_{"cfg_fmt_b"}, cfg_depth_m1_{"cfg_depth_m1"};
  sc_core::sc_signal<bool> in_valid_{"in_valid"}, in_ready_{"in_ready"}, out_valid_{"out_valid"}, out_ready_{"out_ready"};
  sc_core::sc_signal<bool> out_last_{"out_last"};
  sc_core::sc_signal<std::uint32_t> out_row_{"out_row"}, out_flags_{"out_flags"};
  sc_core::sc_signal<sc_dt::sc_bv<kRows * kInW>> in_a_{"in_a"};
  sc_core::sc_signal<sc_dt::sc_bv<kCols * kInW>> in_b_{"in_b"};
  sc_core::sc_signal<sc_dt::sc_bv<kCols * kAccW>> out_res_{"out_res"};
  Vmpsim_array_top_sc dut_{"dut"};

  // The op.
  const OpPlan* plan_ = nullptr;
  std::int64_t m_ = 0, n_ = 0, k_ = 0;
  int fmt_a_ = 0, fmt_b_ = 0;
  std::vector<std::uint32_t> a_, b_;  // A [m][k], B [k][n], as bits
  std::vector<RtlOpBits>* bits_ = nullptr;
  std::size_t op_index_ = 0;
  std::vector<std::uint32_t>* results_ = nullptr;  // C [m][n] of the op, when given bits
  // Stimulus: configuration, then the beats of folds [feed_fold_, feed_end_).
  bool reset_done_ = false, cfg_pending_ = false;
  std::int64_t feed_fold_ = 0, feed_end_ = 0, beat_ = 0;
  // Capture: rows of fold out_fold_ arrive in order.
  std::int64_t out_fold_ = 0, out_row_index_ = 0;
  std::vector<std::uint32_t> fold_result_;
  std::int64_t checked_ = 0, mismatches_ = 0;
  sc_core::sc_event work_, progress_;
};

}  // namespace mpsim::sim
