// The array Verilated as a SystemC module (rtl/CMakeLists.txt: mpsim_rtl_array_sc, the engine
// the SystemC model will use) under the SystemC kernel: two tiles back to back with a mode
// change between them, results bit for bit against model/ dot(), and the first tile's cycle
// count K + R + C + NumPipeRegs (docs/RTL.md). SystemC elaborates once per process, so this
// executable has one test case and its own main (sc_main runs the Catch2 session).
#define CATCH_CONFIG_RUNNER
#include <fmt/format.h>
#include <systemc.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "Vmpsim_array_top_sc.h"
#include "model/float_format.hpp"
#include "model/mac.hpp"

using namespace mpsim;

namespace {

constexpr int R = MPSIM_RTL_SC_ROWS, C = MPSIM_RTL_SC_COLS, P = MPSIM_RTL_SC_PIPE_REGS;
constexpr int kInW = 32;   // all formats built: the fp32 operand width
constexpr int kAccW = 32;  // fp32 accumulation
static_assert(MPSIM_RTL_SC_FMT_MASK == 31 && MPSIM_RTL_SC_ACC_FMT == 0, "the testbench assumes this engine build");

struct Tile {
  int k, fa, fb;
  std::vector<std::uint32_t> a, b;  // A [i][k], B [k][j]
};

Tile random_tile(std::mt19937& rng, int k, int fa, int fb) {
  Tile t{k, fa, fb, {}, {}};
  const auto value = [&](int code) {
    const FloatFormat& f = kPresets[code].format;
    const std::uint32_t field = static_cast<std::uint32_t>(f.bias - 2 + static_cast<int>(rng() % 5));
    const auto bits = static_cast<std::uint32_t>(rng());
    return (bits & f.sign_bit()) | field << f.man_bits | (bits & f.mantissa_mask());
  };
  for (int n = 0; n < R * k; ++n) t.a.push_back(value(fa));
  for (int n = 0; n < k * C; ++n) t.b.push_back(value(fb));
  return t;
}

SC_MODULE(ArrayTestbench) {
  sc_clock clk{"clk", 10, SC_NS};
  sc_signal<bool> rst_n{"rst_n"}, cfg_valid{"cfg_valid"}, cfg_ready{"cfg_ready"}, cfg_clear{"cfg_clear"};
  sc_signal<std::uint32_t> cfg_fmt_a{"cfg_fmt_a"}, cfg_fmt_b{"cfg_fmt_b"}, cfg_depth_m1{"cfg_depth_m1"};
  sc_signal<bool> in_valid{"in_valid"}, in_ready{"in_ready"}, out_valid{"out_valid"}, out_ready{"out_ready"};
  sc_signal<bool> out_last{"out_last"};
  sc_signal<std::uint32_t> out_row{"out_row"}, out_flags{"out_flags"};
  sc_signal<sc_bv<R * kInW>> in_a{"in_a"};
  sc_signal<sc_bv<C * kInW>> in_b{"in_b"};
  sc_signal<sc_bv<C * kAccW>> out_res{"out_res"};
  Vmpsim_array_top_sc dut{"dut"};

  std::vector<Tile> tiles;
  std::vector<std::vector<std::uint32_t>> results, result_flags;  // per tile, R*C
  std::vector<std::uint64_t> first_in, last_out;
  bool done = false;

  SC_CTOR(ArrayTestbench) {
    dut.clk_i(clk);
    dut.rst_ni(rst_n);
    dut.cfg_valid_i(cfg_valid);
    dut.cfg_ready_o(cfg_ready);
    dut.cfg_fmt_a_i(cfg_fmt_a);
    dut.cfg_fmt_b_i(cfg_fmt_b);
    dut.cfg_depth_m1_i(cfg_depth_m1);
    dut.cfg_clear_i(cfg_clear);
    dut.in_valid_i(in_valid);
    dut.in_ready_o(in_ready);
    dut.in_a_i(in_a);
    dut.in_b_i(in_b);
    dut.out_valid_o(out_valid);
    dut.out_ready_i(out_ready);
    dut.out_row_o(out_row);
    dut.out_last_o(out_last);
    dut.out_res_o(out_res);
    dut.out_flags_o(out_flags);
    SC_THREAD(drive);
  }

  // Inputs change after a falling edge; the handshakes are read once the model has settled, and
  // happen at the next rising edge (edge counts the rising edges).
  void drive() {
    const auto settle = [this] {
      wait(SC_ZERO_TIME);
      wait(SC_ZERO_TIME);
    };
    rst_n = false;
    out_ready = true;
    for (int n = 0; n < 3; ++n) wait(clk.negedge_event());
    rst_n = true;
    std::size_t send = 0, recv = 0;
    int beat = 0, row = 0;
    bool configured = false;
    results.assign(tiles.size(), std::vector<std::uint32_t>(R * C));
    result_flags = results;
    first_in.assign(tiles.size(), 0);
    last_out.assign(tiles.size(), 0);
    for (std::uint64_t edge = 0; recv < tiles.size() && edge < 10000; ++edge) {
      wait(clk.negedge_event());
      const bool sending = send < tiles.size();
      cfg_valid = sending && beat == 0 && !configured;
      if (sending) {
        const Tile& t = tiles[send];
        cfg_fmt_a = static_cast<std::uint32_t>(t.fa);
        cfg_fmt_b = static_cast<std::uint32_t>(t.fb);
        cfg_depth_m1 = static_cast<std::uint32_t>(t.k - 1);
        cfg_clear = true;
        sc_bv<R * kInW> a;
        sc_bv<C * kInW> b;
        for (int i = 0; i < R; ++i) a.range(i * kInW + kInW - 1, i * kInW) = t.a[i * t.k + beat];
        for (int j = 0; j < C; ++j) b.range(j * kInW + kInW - 1, j * kInW) = t.b[beat * C + j];
        in_a = a;
        in_b = b;
      }
      in_valid = sending && configured;
      settle();
      if (cfg_valid.read() && cfg_ready.read()) configured = true;
      if (in_valid.read() && in_ready.read()) {
        if (beat == 0) first_in[send] = edge;
        if (++beat == tiles[send].k) {
          beat = 0;
          ++send;
          configured = false;
        }
      }
      if (out_valid.read()) {
        const sc_bv<C* kAccW> res = out_res.read();
        for (int j = 0; j < C; ++j) {
          results[recv][row * C + j] = res.range(j * kAccW + kAccW - 1, j * kAccW).to_uint();
          result_flags[recv][row * C + j] = out_flags.read() >> (4 * j) & 0xfu;
        }
        if (++row == R) {
          last_out[recv++] = edge;
          row = 0;
        }
      }
    }
    done = true;
    sc_stop();
  }
};

}  // namespace

// SystemC prints its banner on stdout before sc_main unless this is set; ctest's test discovery
// reads stdout for test names, so set it before main runs.
static const int kQuietSystemC = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);

int sc_main(int argc, char** argv) { return Catch::Session().run(argc, argv); }

TEST_CASE("RTL array under SystemC: two tiles, mode change, bit-exact and on the cycle formula", "[rtl][systemc]") {
  auto tb = std::make_unique<ArrayTestbench>("tb");
  std::mt19937 rng(7);
  tb->tiles = {random_tile(rng, 37, 3, 4), random_tile(rng, 5, 0, 2)};  // e4m3 x e5m2, then fp32 x bf16
  sc_start(1, SC_MS);
  REQUIRE(tb->done);
  for (std::size_t n = 0; n < tb->tiles.size(); ++n) {
    const Tile& t = tb->tiles[n];
    const MacFormats f{kPresets[t.fa].format, kPresets[t.fb].format, formats::fp32};
    for (int i = 0; i < R; ++i) {
      for (int j = 0; j < C; ++j) {
        const Encoded want = dot(0, &t.a[i * t.k], 1, &t.b[j], C, t.k, f);
        INFO(fmt::format("tile {} C[{}][{}]: got 0x{:08x} flags 0x{:x}, expected 0x{:08x} flags 0x{:x}", n, i, j,
                         tb->results[n][i * C + j], tb->result_flags[n][i * C + j], want.bits, want.flags.bits));
        CHECK(tb->results[n][i * C + j] == want.bits);
        CHECK(tb->result_flags[n][i * C + j] == want.flags.bits);
      }
    }
  }
  CHECK(tb->last_out[0] - tb->first_in[0] + 1 == static_cast<std::uint64_t>(tb->tiles[0].k + R + C + P));
}
