#include "sim/rtl_array_engine.hpp"

#include <random>

#include "model/mac.hpp"
#include "sim/sc_cycles.hpp"

namespace mpsim::sim {

namespace {

constexpr std::int64_t kMaxDepth = std::int64_t{1} << 16;     // the build's DepthW = 16
constexpr std::int64_t kMaxElements = std::int64_t{1} << 26;  // operands held in memory
constexpr int kResetCycles = 3;
// Deltas the controller needs between run_group returning and the next run_group call: the
// progress notification, then the load_done FIFO read (its data is long there when the load
// is not late).
constexpr int kReactDeltas = 3;

// The RTL's format code: the index into kPresets (rtl/README.md "Formats"); codes 0..4 are built.
int format_code(const FloatFormat& f) {
  for (int c = 0; c < 5; ++c) {
    if (kPresets[c].format == f) return c;
  }
  return -1;
}

}  // namespace

RtlArrayEngine::RtlArrayEngine(sc_core::sc_module_name name) : sc_core::sc_module(name) {
  dut_.clk_i(clk_);
  dut_.rst_ni(rst_n_);
  dut_.cfg_valid_i(cfg_valid_);
  dut_.cfg_ready_o(cfg_ready_);
  dut_.cfg_fmt_a_i(cfg_fmt_a_);
  dut_.cfg_fmt_b_i(cfg_fmt_b_);
  dut_.cfg_depth_m1_i(cfg_depth_m1_);
  dut_.cfg_clear_i(cfg_clear_);
  dut_.in_valid_i(in_valid_);
  dut_.in_ready_o(in_ready_);
  dut_.in_a_i(in_a_);
  dut_.in_b_i(in_b_);
  dut_.out_valid_o(out_valid_);
  dut_.out_ready_i(out_ready_);
  dut_.out_row_o(out_row_);
  dut_.out_last_o(out_last_);
  dut_.out_res_o(out_res_);
  dut_.out_flags_o(out_flags_);
  SC_HAS_PROCESS(RtlArrayEngine);
  SC_THREAD(clocked);
}

std::string RtlArrayEngine::unsupported(const GemmOp& op, const HwConfig& hw) {
  const std::string build = std::to_string(kRows) + "x" + std::to_string(kCols) + ", mac_latency " +
                            std::to_string(kPipe) + ", os, fp32 accumulator, one lane";
  if (hw.array.rows != kRows || hw.array.cols != kCols || hw.array.mac_latency != kPipe ||
      hw.array.dataflow != Dataflow::os || !(hw.array.accumulator == formats::fp32)) {
    return "the Verilated array is " + build + "; allowed: a hw config with exactly that";
  }
  if (hw.array.lanes[width_class(op.a.format, op.b.format)] != 1) return "the RTL has one MAC per PE; allowed: " + build;
  if (!(op.accumulator == formats::fp32)) return "the RTL accumulates in fp32; allowed: acc fp32";
  if (format_code(op.a.format) < 0 || format_code(op.b.format) < 0) {
    return "operand formats allowed: fp32, fp16, bf16, e4m3, e5m2 (the RTL's FMT_MASK_ALL)";
  }
  if (op.k > kMaxDepth) return "K is " + std::to_string(op.k) + "; allowed: K up to 65536 (DepthW = 16)";
  if (op.m * op.k + op.k * op.n > kMaxElements) return "operands too large to generate; allowed: M*K + K*N up to 2^26";
  return "";
}

void RtlArrayEngine::begin_op(const GemmOp& op, const OpPlan& plan, std::uint64_t seed) {
  plan_ = &plan;
  m_ = op.m;
  n_ = op.n;
  k_ = op.k;
  fmt_a_ = format_code(op.a.format);
  fmt_b_ = format_code(op.b.format);
  // Seeded per op (its name), so one op's operands do not depend on the ops before it.
  std::mt19937_64 rng(seed ^ std::hash<std::string>{}(op.name));
  const auto value = [&](const FloatFormat& f) {
    // Exponent within +-2 of the bias, any sign and mantissa: normal values whose K-long sums
    // stay far from overflow in every format, while still exercising rounding.
    const auto field = static_cast<std::uint32_t>(f.bias - 2 + static_cast<int>(rng() % 5));
    const auto bits = static_cast<std::uint32_t>(rng());
    return (bits & f.sign_bit()) | field << f.man_bits | (bits & f.mantissa_mask());
  };
  results_ = nullptr;
  if (bits_ != nullptr) {
    RtlOpBits& given = (*bits_).at(op_index_++);
    a_ = given.a;
    b_ = given.b;
    given.c.assign(static_cast<std::size_t>(m_ * n_), 0u);
    results_ = &given.c;
  } else {
    a_.resize(static_cast<std::size_t>(m_ * k_));
    b_.resize(static_cast<std::size_t>(k_ * n_));
    for (auto& x : a_) x = value(op.a.format);
    for (auto& x : b_) x = value(op.b.format);
  }
  feed_fold_ = feed_end_ = beat_ = 0;
  out_fold_ = out_row_index_ = 0;
  fold_result_.assign(kRows * kCols, 0);
  checked_ = mismatches_ = 0;
  cfg_pending_ = true;
  work_.notify(sc_core::SC_ZERO_TIME);
  while (cfg_pending_) wait(progress_);
}

void RtlArrayEngine::run_group(std::int64_t g) {
  const TileGroup& group = plan_->groups[static_cast<std::size_t>(g)];
  feed_end_ = group.first_fold + group.folds;
  work_.notify(sc_core::SC_ZERO_TIME);
  while (feed_fold_ < feed_end_) wait(progress_);  // until the group's last beat is accepted
}

void RtlArrayEngine::prepare() {
  while (!reset_done_) wait(progress_);  // the reset runs at time 0, before any op is timed
}

void RtlArrayEngine::wait_group_done(std::int64_t g) {
  const TileGroup& group = plan_->groups[static_cast<std::size_t>(g)];
  while (out_fold_ < group.first_fold + group.folds) wait(progress_);
}

void RtlArrayEngine::end_op() {
  while (out_fold_ < plan_->map.folds()) wait(progress_);
}

bool RtlArrayEngine::busy() const { return !reset_done_ || cfg_pending_ || feed_fold_ < feed_end_ || out_fold_ < feed_fold_; }

void RtlArrayEngine::check_fold(std::int64_t fold) {
  const OpPlan::Coords at = plan_->fold_coords(fold);
  const std::int64_t i0 = at.i * kRows, j0 = at.j * kCols;
  const MacFormats f{kPresets[fmt_a_].format, kPresets[fmt_b_].format, formats::fp32};
  for (std::int64_t r = 0; r < kRows && i0 + r < m_; ++r) {
    for (std::int64_t c = 0; c < kCols && j0 + c < n_; ++c) {
      const Encoded want = dot(0, &a_[static_cast<std::size_t>((i0 + r) * k_)], 1,
                               &b_[static_cast<std::size_t>(j0 + c)], static_cast<long>(n_), static_cast<long>(k_), f);
      ++checked_;
      const std::uint32_t got = fold_result_[static_cast<std::size_t>(r * kCols + c)];
      if (got != want.bits) ++mismatches_;
      if (results_ != nullptr) (*results_)[static_cast<std::size_t>((i0 + r) * n_ + j0 + c)] = got;
    }
  }
}

void RtlArrayEngine::clocked() {
  const sc_core::sc_time half = cycles(0.5);
  rst_n_ = false;
  out_ready_ = true;  // the C buffer always takes a row: the controller models its drain
  cfg_clear_ = true;  // every fold starts from +0 (K is never split over tiles here)
  for (std::int64_t cycle = 0;; ++cycle) {
    // Let the controller react to the last cycle's progress first (it hands over the next
    // group within a delta or two of run_group returning), so a group that is ready follows
    // the previous one without a bubble, as the model engine's does.
    for (int d = 0; d < kReactDeltas; ++d) wait(sc_core::SC_ZERO_TIME);
    if (!busy()) wait(work_);  // the clock stops while nothing is in flight
    // Clock low: drive the inputs the coming rising edge will see.
    clk_ = false;
    if (cycle == kResetCycles) rst_n_ = true;
    const bool feeding = reset_done_ && !cfg_pending_ && feed_fold_ < feed_end_;
    cfg_valid_ = reset_done_ && cfg_pending_;
    cfg_fmt_a_ = static_cast<std::uint32_t>(fmt_a_);
    cfg_fmt_b_ = static_cast<std::uint32_t>(fmt_b_);
    cfg_depth_m1_ = static_cast<std::uint32_t>(k_ - 1);
    in_valid_ = feeding;
    if (feeding) {
      const OpPlan::Coords at = plan_->fold_coords(feed_fold_);
      const std::int64_t i0 = at.i * kRows, j0 = at.j * kCols;
      sc_dt::sc_bv<kRows * kInW> a;
      sc_dt::sc_bv<kCols * kInW> b;
      for (int r = 0; r < kRows; ++r) {
        const std::uint32_t v = i0 + r < m_ ? a_[static_cast<std::size_t>((i0 + r) * k_ + beat_)] : 0u;
        a.range(r * kInW + kInW - 1, r * kInW) = v;
      }
      for (int c = 0; c < kCols; ++c) {
        const std::uint32_t v = j0 + c < n_ ? b_[static_cast<std::size_t>(beat_ * n_ + j0 + c)] : 0u;
        b.range(c * kInW + kInW - 1, c * kInW) = v;
      }
      in_a_ = a;
      in_b_ = b;
    }
    wait(half);  // the model settles; the handshakes below happen at the rising edge
    const bool cfg_taken = cfg_valid_.read() && cfg_ready_.read();
    const bool beat_taken = in_valid_.read() && in_ready_.read();
    const bool row_out = out_valid_.read() && reset_done_;
    sc_dt::sc_bv<kCols * kAccW> res;
    if (row_out) res = out_res_.read();
    clk_ = true;
    wait(half);  // end of the cycle: what was transferred at its edge is done now
    if (cycle + 1 == kResetCycles) reset_done_ = true;
    if (cfg_taken) cfg_pending_ = false;
    if (beat_taken && ++beat_ == k_) {
      beat_ = 0;
      ++feed_fold_;
    }
    if (row_out) {
      for (int c = 0; c < kCols; ++c) {
        fold_result_[static_cast<std::size_t>(out_row_index_ * kCols + c)] =
            res.range(c * kAccW + kAccW - 1, c * kAccW).to_uint();
      }
      if (++out_row_index_ == kRows) {
        out_row_index_ = 0;
        check_fold(out_fold_);
        ++out_fold_;
      }
    }
    progress_.notify(sc_core::SC_ZERO_TIME);
  }
}

}  // namespace mpsim::sim
