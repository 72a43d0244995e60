// Drives one output tile at a time through a Verilated C++ mpsim_array_top and measures it:
// configure (formats, depth, clear), stream K beats (beat k: A[i][k] on row lane i, B[k][j] on
// column lane j), collect the R result rows. The tile's cycles are counted as docs/RTL.md
// defines T(R, C, K, P): from the rising edge that accepts the first beat to the one that
// accepts the last row, both included, with in_valid_i and out_ready_i held high. Each tile
// starts on an idle array, so every tile is measured alone.
//
// Generic over the Verilated class (any mpsim_array_top build); the parameters come in as
// template constants so the packing widths cannot disagree with the -G values.
#pragma once

#include <verilated.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rtl/driver/port_packing.hpp"

namespace mpsim::rtl_driver {

// A tile of rows x cols outputs (rows <= R, cols <= C; the rest of the array gets zeros and its
// results are dropped), depth k, operand codes in the RTL's format codes fmt_a / fmt_b.
struct ArrayTile {
  int fmt_a = 0, fmt_b = 0;
  int rows = 0, cols = 0, k = 1;
  std::vector<std::uint32_t> a;  // [rows][k]
  std::vector<std::uint32_t> b;  // [k][cols]
};

struct ArrayTileResult {
  std::vector<std::uint32_t> c;      // [rows][cols] accumulator codes
  std::vector<std::uint32_t> flags;  // [rows][cols] the RTL's ORed IEEE flags
  std::uint64_t cycles = 0;          // first beat accepted .. last row accepted, inclusive
  std::string error;                 // a protocol failure (timeout, rows out of order); "" if none
};

template <class Model, int R, int C, int InW, int AccW>
class ArrayTileDriver {
 public:
  explicit ArrayTileDriver(std::uint64_t seed) : ctx_(std::make_unique<VerilatedContext>()) {
    ctx_->randReset(2);  // X state seeded, so reset must set everything that matters
    ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
    model_ = std::make_unique<Model>(ctx_.get(), "array");
    model_->cfg_valid_i = 0;
    model_->in_valid_i = 0;
    model_->out_ready_i = 0;
    model_->clk_i = 0;
    model_->rst_ni = 0;
    model_->eval();
    cycle();
    cycle();
    model_->rst_ni = 1;
    model_->eval();
  }
  ArrayTileDriver(const ArrayTileDriver&) = delete;
  ArrayTileDriver& operator=(const ArrayTileDriver&) = delete;
  ~ArrayTileDriver() { model_->final(); }

  ArrayTileResult run(const ArrayTile& t) {
    ArrayTileResult r;
    r.c.assign(static_cast<std::size_t>(t.rows * t.cols), 0);
    r.flags.assign(r.c.size(), 0);
    const std::uint64_t deadline = cycles_ + static_cast<std::uint64_t>(t.k) + 4 * (R + C) + 64;
    // Configuration beat: formats, depth and clear (each tile starts from +0).
    Model& m = *model_;
    set_port(m.cfg_fmt_a_i, static_cast<std::uint32_t>(t.fmt_a));
    set_port(m.cfg_fmt_b_i, static_cast<std::uint32_t>(t.fmt_b));
    set_port(m.cfg_depth_m1_i, static_cast<std::uint32_t>(t.k - 1));
    m.cfg_clear_i = 1;
    m.cfg_valid_i = 1;
    m.in_valid_i = 0;
    m.out_ready_i = 1;
    for (;;) {
      m.eval();
      const bool taken = m.cfg_ready_o;
      cycle();
      if (taken) break;
      if (cycles_ > deadline) return fail(r, "configuration not accepted");
    }
    m.cfg_valid_i = 0;
    int beat = 0, row = 0;
    std::uint64_t first_in = 0;
    while (row < R) {
      if (cycles_ > deadline) return fail(r, "timeout: " + std::to_string(row) + " of " + std::to_string(R) + " rows out");
      m.in_valid_i = beat < t.k;
      if (beat < t.k) {
        for (int i = 0; i < R; ++i) put(m.in_a_i, i, InW, i < t.rows ? t.a[static_cast<std::size_t>(i * t.k + beat)] : 0u);
        for (int j = 0; j < C; ++j) put(m.in_b_i, j, InW, j < t.cols ? t.b[static_cast<std::size_t>(beat * t.cols + j)] : 0u);
      }
      m.eval();
      const std::uint64_t edge = cycles_;
      const bool in_fire = m.in_valid_i && m.in_ready_o;
      if (m.out_valid_o) {  // out_ready_i is high: the row is taken at this edge
        if (static_cast<int>(m.out_row_o) != row) return fail(r, "out_row_o " + std::to_string(m.out_row_o) + " where row " + std::to_string(row) + " was due");
        for (int j = 0; j < t.cols && row < t.rows; ++j) {
          r.c[static_cast<std::size_t>(row * t.cols + j)] = get(m.out_res_o, j, AccW);
          r.flags[static_cast<std::size_t>(row * t.cols + j)] = get(m.out_flags_o, j, 4);
        }
        if (++row == R) r.cycles = edge - first_in + 1;
      }
      cycle();
      if (in_fire && beat++ == 0) first_in = edge;
    }
    m.in_valid_i = 0;
    return r;
  }

 private:
  void cycle() {
    model_->clk_i = 1;
    model_->eval();
    ctx_->timeInc(1);
    model_->clk_i = 0;
    model_->eval();
    ctx_->timeInc(1);
    ++cycles_;
  }
  static ArrayTileResult& fail(ArrayTileResult& r, std::string why) {
    r.error = std::move(why);
    return r;
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Model> model_;
  std::uint64_t cycles_ = 0;
};

}  // namespace mpsim::rtl_driver
