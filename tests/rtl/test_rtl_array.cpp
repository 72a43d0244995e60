// rtl/mpsim_array_top against model/mac.hpp dot(): every element of every tile bit for bit
// (result and ORed flags), the tile cycle count K + R + C + NumPipeRegs (rtl/mpsim_array_top.sv,
// docs/RTL.md), back-to-back tiles at max(K, R, C) cycles each, mode changes between tiles,
// stalls from both stream sides, and tiles that accumulate onto the previous one. For every
// model of MPSIM_RTL_ARRAY_MODELS (tests/rtl/CMakeLists.txt): square and non-square, fp32 and fp16
// accumulation, all formats or fp8 only, 0 to 2 product registers.
#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "rtl/driver/port_packing.hpp"
#include "rtl_harness.hpp"
#include "rtl_models.hpp"

using namespace mpsim;
using namespace mpsim::rtl_test;

namespace {

constexpr std::uint64_t kSeed = 0x72746c2d617272ull;  // "rtl-arr"

// Port packing (element e of a packed port): rtl/driver/port_packing.hpp, shared with the
// tile driver `mpsim verify` uses.
using rtl_driver::get;
using rtl_driver::put;

// One tile: C (R x C) = A (R x K) B (K x C), A row-major [i][k], B row-major [k][j].
struct Tile {
  int k = 1;
  int fa = 0, fb = 0;
  bool clear = true;
  std::vector<std::uint32_t> a, b;
};

struct TileTiming {
  std::uint64_t first_in = 0, last_in = 0, last_out = 0;
  bool cfg_before = false;  // a configuration transfer came right before the tile's beats
};

struct StreamOptions {
  int in_valid_percent = 100;   // chance the source offers a beat in a cycle
  int out_ready_percent = 100;  // chance the sink takes a row in a cycle
  bool force_cfg = false;       // configure before every tile, even an unchanged mode
};

template <class Config>
class ArrayBench {
 public:
  using Model = typename Config::Model;
  static constexpr int R = Config::rows, C = Config::cols, P = Config::pipe_regs;
  static constexpr int kMinGap = std::max(R, C);  // mpsim_array_ctrl's tile spacing
  const FloatFormat acc_format = rtl_format(Config::acc_fmt);
  const int in_w = [] {
    int w = 0;
    for (int c : codes_in_mask(Config::fmt_mask)) w = std::max(w, rtl_format(c).total_bits());
    return w;
  }();
  const int acc_w = acc_format.total_bits();

  explicit ArrayBench(std::uint64_t seed) : dut_(Config::name, seed), gen_(seed) {
    dut_->cfg_valid_i = 0;
    dut_->in_valid_i = 0;
    dut_->out_ready_i = 0;
    dut_.reset();
  }

  CheckLog& log() { return log_; }
  OperandGen& gen() { return gen_; }

  // A random tile; most elements are normal values in a few binades around 1 so that sums mean
  // something, some are drawn from every class (zeros, subnormals, extremes, Inf, NaN).
  Tile random_tile(int k, int fa, int fb, bool clear, int wild_percent) {
    Tile t{k, fa, fb, clear, {}, {}};
    const auto element = [&](int code) {
      const FloatFormat& f = rtl_format(code);
      if (gen_.chance(wild_percent)) return gen_.operand(f);
      return gen_.with_exponent(f, f.bias + gen_.uniform(-3, 3), gen_.chance(50));
    };
    for (int i = 0; i < R * k; ++i) t.a.push_back(element(fa));
    for (int i = 0; i < k * C; ++i) t.b.push_back(element(fb));
    return t;
  }

  // Streams the tiles and checks every row that comes out; returns each tile's timing.
  std::vector<TileTiming> run(const std::vector<Tile>& tiles, const StreamOptions& opt) {
    std::vector<TileTiming> timing(tiles.size());
    std::size_t send = 0, recv = 0;
    int beat = 0, row = 0;
    std::vector<std::uint32_t> got(R * C), got_flags(R * C);
    bool cfg_sent_for_tile = false;
    const std::uint64_t deadline = dut_.cycles() + 100000 + tiles.size() * 2000;

    while (recv < tiles.size()) {
      if (dut_.cycles() > deadline) {
        log_.fail(__FILE__, __LINE__, fmt::format("{}: timeout, {} of {} tiles out", Config::name, recv, tiles.size()));
        return timing;
      }
      // Source: configure at a tile boundary when the mode changes, then offer beats.
      const bool sending = send < tiles.size();
      const bool need_cfg = sending && beat == 0 && !cfg_sent_for_tile &&
                            (opt.force_cfg || !(tiles[send].fa == mode_.fa && tiles[send].fb == mode_.fb &&
                                                tiles[send].k == mode_.k && tiles[send].clear == mode_.clear));
      dut_->cfg_valid_i = need_cfg;
      if (need_cfg) {
        dut_->cfg_fmt_a_i = static_cast<std::uint8_t>(tiles[send].fa);
        dut_->cfg_fmt_b_i = static_cast<std::uint8_t>(tiles[send].fb);
        dut_->cfg_depth_m1_i = static_cast<std::uint16_t>(tiles[send].k - 1);
        dut_->cfg_clear_i = tiles[send].clear;
      }
      const bool offer = sending && !need_cfg && gen_.chance(opt.in_valid_percent);
      dut_->in_valid_i = offer;
      if (offer) {
        const Tile& t = tiles[send];
        for (int i = 0; i < R; ++i)
          put(dut_->in_a_i, i, in_w, gen_.garbage_above(t.a[i * t.k + beat], rtl_format(t.fa), in_w));
        for (int j = 0; j < C; ++j)
          put(dut_->in_b_i, j, in_w, gen_.garbage_above(t.b[beat * C + j], rtl_format(t.fb), in_w));
      }
      dut_->out_ready_i = gen_.chance(opt.out_ready_percent);
      dut_.eval();

      const std::uint64_t edge = dut_.cycles();
      const bool cfg_fire = dut_->cfg_valid_i && dut_->cfg_ready_o;
      const bool in_fire = dut_->in_valid_i && dut_->in_ready_o;
      const bool out_fire = dut_->out_valid_o && dut_->out_ready_i;
      MPSIM_RTL_CHECK(log_, !(dut_->cfg_valid_i && dut_->cfg_ready_o && dut_->in_ready_o),
                      "{}: in_ready_o high while a configuration is taken (cycle {})", Config::name, edge);
      if (out_fire) receive_row(tiles, recv, row, got, got_flags, timing, edge);
      dut_.cycle();

      if (cfg_fire) {
        mode_ = {tiles[send].fa, tiles[send].fb, tiles[send].k, tiles[send].clear};
        cfg_sent_for_tile = true;
      }
      if (in_fire) {
        if (beat == 0) {
          timing[send].first_in = edge;
          timing[send].cfg_before = cfg_sent_for_tile;
        }
        if (++beat == tiles[send].k) {
          timing[send].last_in = edge;
          beat = 0;
          ++send;
          cfg_sent_for_tile = false;
        }
      }
    }
    // Nothing more may come out.
    dut_->in_valid_i = 0;
    dut_->cfg_valid_i = 0;
    dut_->out_ready_i = 1;
    for (int n = 0; n < R + C + P + 4; ++n) {
      dut_.eval();
      MPSIM_RTL_CHECK(log_, !dut_->out_valid_o, "{}: out_valid_o after the last tile (cycle {})", Config::name,
                      dut_.cycles());
      dut_.cycle();
    }
    return timing;
  }

  // The results model/ gives for the tiles in order: clear starts from +0, otherwise from the
  // previous tile's results and flags (the PE's accumulator, +0 after reset).
  std::vector<std::vector<Encoded>> expected(const std::vector<Tile>& tiles) {
    std::vector<std::vector<Encoded>> all;
    std::vector<Encoded> acc(R * C, Encoded{});
    for (const Tile& t : tiles) {
      const MacFormats f{rtl_format(t.fa), rtl_format(t.fb), acc_format};
      for (int i = 0; i < R; ++i) {
        for (int j = 0; j < C; ++j) {
          const Encoded prev = t.clear ? Encoded{} : acc[i * C + j];
          Encoded e = dot(prev.bits, &t.a[i * t.k], 1, &t.b[j], C, t.k, f);
          e.flags |= prev.flags;
          acc[i * C + j] = e;
        }
      }
      all.push_back(acc);
    }
    return all;
  }

  void set_expected(std::vector<std::vector<Encoded>> e) { expected_ = std::move(e); }

 private:
  void receive_row(const std::vector<Tile>& tiles, std::size_t& recv, int& row, std::vector<std::uint32_t>& got,
                   std::vector<std::uint32_t>& got_flags, std::vector<TileTiming>& timing, std::uint64_t edge) {
    if (recv >= tiles.size()) {
      log_.fail(__FILE__, __LINE__,
                fmt::format("{}: a row came out after the last tile (cycle {})", Config::name, edge));
      return;
    }
    MPSIM_RTL_CHECK(log_, dut_->out_row_o == row, "{}: tile {}: out_row_o {} where row {} was due", Config::name, recv,
                    dut_->out_row_o, row);
    MPSIM_RTL_CHECK(log_, dut_->out_last_o == (row == R - 1), "{}: tile {} row {}: out_last_o {}", Config::name, recv,
                    row, dut_->out_last_o);
    for (int j = 0; j < C; ++j) {
      got[row * C + j] = get(dut_->out_res_o, j, acc_w);
      got_flags[row * C + j] = get(dut_->out_flags_o, j, 4);
    }
    if (++row < R) return;
    timing[recv].last_out = edge;
    compare_tile(tiles[recv], recv, got, got_flags);
    row = 0;
    ++recv;
  }

  void compare_tile(const Tile& t, std::size_t n, const std::vector<std::uint32_t>& got,
                    const std::vector<std::uint32_t>& got_flags) {
    const std::vector<Encoded>& want = expected_.at(n);
    for (int i = 0; i < R; ++i) {
      for (int j = 0; j < C; ++j) {
        const Encoded& w = want[i * C + j];
        log_.count_check();
        if (got[i * C + j] == w.bits && got_flags[i * C + j] == w.flags.bits) continue;
        std::string a_ops, b_ops;
        for (int k = 0; k < std::min(t.k, 8); ++k) {
          a_ops += " " + code_hex(t.a[i * t.k + k], rtl_format(t.fa));
          b_ops += " " + code_hex(t.b[k * C + j], rtl_format(t.fb));
        }
        log_.fail(__FILE__, __LINE__,
                  fmt::format("{}: tile {} (K={}, a {}, b {}, clear {}): C[{}][{}] got {} flags 0x{:x}, expected {} "
                              "flags 0x{:x}; A[{}][0..]:{}{}; B[0..][{}]:{}{}",
                              Config::name, n, t.k, rtl_format_name(t.fa), rtl_format_name(t.fb), t.clear, i, j,
                              code_hex(got[i * C + j], acc_format), got_flags[i * C + j], code_hex(w.bits, acc_format),
                              w.flags.bits, i, a_ops, t.k > 8 ? " ..." : "", j, b_ops, t.k > 8 ? " ..." : ""));
      }
    }
  }

  struct Mode {
    int fa = 0, fb = 0, k = 1;
    bool clear = true;
  };
  Mode mode_;  // the RTL's configuration after reset: fp32 x fp32, K = 1, clear
  Dut<Model> dut_;
  OperandGen gen_;
  CheckLog log_;
  std::vector<std::vector<Encoded>> expected_;
};

template <class Config>
std::vector<TileTiming> run_and_check(ArrayBench<Config>& bench, const std::vector<Tile>& tiles,
                                      const StreamOptions& opt) {
  bench.set_expected(bench.expected(tiles));
  return bench.run(tiles, opt);
}

}  // namespace

TEMPLATE_TEST_CASE("RTL array: one tile takes K + R + C + NumPipeRegs cycles, first beat in to last row out",
                   "[rtl][array][timing]", MPSIM_RTL_ARRAY_MODELS) {
  using Bench = ArrayBench<TestType>;
  Bench bench(kSeed);
  constexpr int R = Bench::R, C = Bench::C, P = Bench::P;
  for (int code : codes_in_mask(TestType::fmt_mask)) {
    for (int k : {1, 2, 3, R, C, R + C, 17, 64, 300}) {
      const std::vector<Tile> tiles = {bench.random_tile(k, code, code, true, 5)};
      const std::vector<TileTiming> t = run_and_check(bench, tiles, {});
      INFO(TestType::name << ": K = " << k << ", format " << rtl_format_name(code));
      CHECK(t[0].last_out - t[0].first_in + 1 == static_cast<std::uint64_t>(k + R + C + P));
    }
  }
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL array: back-to-back random tiles, K in 1..300, every format pair, mode changes", "[rtl][array]",
                   MPSIM_RTL_ARRAY_MODELS) {
  using Bench = ArrayBench<TestType>;
  Bench bench(kSeed + 1);
  const std::vector<int> codes = codes_in_mask(TestType::fmt_mask);
  std::vector<Tile> tiles;
  // Every (a, b) format pair once, then random pairs; K from the edges and at random.
  for (int fa : codes)
    for (int fb : codes) tiles.push_back(bench.random_tile(bench.gen().uniform(1, 300), fa, fb, true, 5));
  for (int k : {1, 1, 2, Bench::R, Bench::C, 299, 300, 1, 3})
    tiles.push_back(bench.random_tile(k, codes[0], codes.back(), true, 5));
  for (int n = 0; n < 30; ++n) {
    const int fa = codes[bench.gen().uniform(0, static_cast<int>(codes.size()) - 1)];
    const int fb = codes[bench.gen().uniform(0, static_cast<int>(codes.size()) - 1)];
    tiles.push_back(bench.random_tile(bench.gen().uniform(1, 300), fa, fb, true, 10));
  }
  const std::vector<TileTiming> t = run_and_check(bench, tiles, {});
  // Streaming at full rate: a tile's last beat enters max(K (+1 when configured), R, C)
  // cycles after the previous tile's (mpsim_array_ctrl).
  for (std::size_t n = 1; n < tiles.size(); ++n) {
    INFO(TestType::name << ": tile " << n << ", K = " << tiles[n].k << ", configured " << t[n].cfg_before);
    const int busy = tiles[n].k + (t[n].cfg_before ? 1 : 0);
    CHECK(t[n].last_in - t[n - 1].last_in == static_cast<std::uint64_t>(std::max(busy, Bench::kMinGap)));
  }
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL array: stalls from the source and the sink", "[rtl][array][stall]", MPSIM_RTL_ARRAY_MODELS) {
  using Bench = ArrayBench<TestType>;
  Bench bench(kSeed + 2);
  const std::vector<int> codes = codes_in_mask(TestType::fmt_mask);
  std::vector<Tile> tiles;
  for (int n = 0; n < 24; ++n) {
    const int fa = codes[static_cast<std::size_t>(n) % codes.size()];
    const int fb = codes[static_cast<std::size_t>(n / 2) % codes.size()];
    tiles.push_back(bench.random_tile(n % 4 == 0 ? 1 : bench.gen().uniform(1, 40), fa, fb, true, 5));
  }
  run_and_check(bench, tiles, {70, 60, true});
  bench.log().verdict();
}

TEMPLATE_TEST_CASE("RTL array: clear = 0 accumulates onto the previous tile (K split in chunks)",
                   "[rtl][array][accumulate]", MPSIM_RTL_ARRAY_MODELS) {
  using Bench = ArrayBench<TestType>;
  Bench bench(kSeed + 3);
  const int code = codes_in_mask(TestType::fmt_mask).back();
  std::vector<Tile> tiles;
  for (int chunk = 0; chunk < 6; ++chunk)
    tiles.push_back(bench.random_tile(bench.gen().uniform(1, 50), code, code, chunk == 0, 5));
  tiles.push_back(bench.random_tile(7, code, code, true, 5));  // and a fresh start after them
  run_and_check(bench, tiles, {90, 90, false});
  bench.log().verdict();
}
