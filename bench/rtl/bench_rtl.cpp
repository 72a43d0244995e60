// Verilator simulation speed of the RTL (docs/PERFORMANCE.md, "RTL simulation speed"):
//   MAC    mpsim_mac, combinational (NumPipeRegs = 0): one eval() per MAC, random operands of
//          every format pair; MACs per second.
//   array  mpsim_array_top R x C (NumPipeRegs = 1), fp32 x fp32 tiles of depth 64 streamed back
//          to back with both handshakes always ready, so every PE does one MAC per cycle;
//          simulated cycles per second (and PE-MACs per second = cycles/s x R x C).
// Each model is Verilated with several flag sets (bench/rtl/CMakeLists.txt); the variants of one
// design are timed in the same run, interleaved rep by rep, and compared with the `tests` flags.
// Before timing, the MAC's first results are checked against model/ mac() and the array's output
// rate against the tile schedule, so a broken build cannot post a figure.
#include <fmt/format.h>
#include <verilated.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_rtl_models.hpp"
#include "model/float_format.hpp"
#include "model/mac.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Variant {
  std::string name, flag_set, flags;
  int rows = 0, cols = 0;       // 0 for the MAC
  std::function<double()> rep;  // runs one repetition, returns seconds
  long work = 0;                // MACs (MAC) or cycles (array) per repetition
  std::vector<double> seconds;
};

// One MAC operation with its formats; a and b in any of the five RTL formats.
struct MacVector {
  std::uint32_t acc, a, b, fa, fb;
};

std::vector<MacVector> mac_vectors(std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<MacVector> v(n);
  for (MacVector& m : v) {
    m.fa = static_cast<std::uint32_t>(rng() % 5);
    m.fb = static_cast<std::uint32_t>(rng() % 5);
    m.a = static_cast<std::uint32_t>(rng()) & mpsim::kPresets[m.fa].format.code_mask();
    m.b = static_cast<std::uint32_t>(rng()) & mpsim::kPresets[m.fb].format.code_mask();
    m.acc = static_cast<std::uint32_t>(rng());
  }
  return v;
}

template <class Model>
void drive(Model& model, const MacVector& m) {
  model.acc_i = m.acc;
  model.a_i = m.a;
  model.b_i = m.b;
  model.fmt_a_i = static_cast<std::uint8_t>(m.fa);
  model.fmt_b_i = static_cast<std::uint8_t>(m.fb);
  model.eval();
}

template <class Model>
Variant mac_variant(const char* name, const char* flag_set, const char* flags, long ops) {
  auto ctx = std::make_shared<VerilatedContext>();
  auto model = std::make_shared<Model>(ctx.get(), name);
  auto vectors = std::make_shared<std::vector<MacVector>>(mac_vectors(1 << 16));
  model->valid_i = 1;
  // Check the build before timing it.
  long mismatches = 0;
  for (const MacVector& m : *vectors) {
    drive(*model, m);
    const mpsim::Encoded want =
        mpsim::mac(m.acc, m.a, m.b, {mpsim::kPresets[m.fa].format, mpsim::kPresets[m.fb].format, mpsim::formats::fp32});
    mismatches += model->acc_o != want.bits || model->flags_o != want.flags.bits;
  }
  if (mismatches != 0)
    throw std::runtime_error(fmt::format("{}: {} results differ from model/ mac()", name, mismatches));
  Variant v{name, flag_set, flags, 0, 0, {}, ops, {}};
  v.rep = [ctx, model, vectors, ops] {
    const auto t0 = Clock::now();
    std::uint32_t sink = 0;
    for (long i = 0; i < ops; ++i) {
      const MacVector& m = (*vectors)[static_cast<std::size_t>(i) & 0xffff];
      drive(*model, m);
      sink ^= model->acc_o;
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (sink == 0x12345678u) std::fputs("", stderr);  // keeps the results live
    return s;
  };
  return v;
}

template <class Model>
Variant array_variant(const char* name, int rows, int cols, const char* flag_set, const char* flags, long cycles) {
  constexpr int kDepth = 64;
  auto ctx = std::make_shared<VerilatedContext>();
  auto model = std::make_shared<Model>(ctx.get(), name);
  // kDepth beats of random fp32 operands in [0.5, 2), reused tile after tile.
  auto beats = std::make_shared<std::vector<std::uint32_t>>();
  std::mt19937 rng(7);
  for (int n = 0; n < kDepth * (rows + cols); ++n) beats->push_back(0x3f000000u | (rng() & 0x80ffffffu));
  const auto tick = [model] {
    model->clk_i = 1;
    model->eval();
    model->clk_i = 0;
    model->eval();
  };
  model->clk_i = 0;
  model->rst_ni = 0;
  model->eval();
  tick();
  model->rst_ni = 1;
  model->cfg_valid_i = 1;  // fp32 x fp32 (codes 0), K = kDepth, clear
  model->cfg_fmt_a_i = 0;
  model->cfg_fmt_b_i = 0;
  model->cfg_depth_m1_i = kDepth - 1;
  model->cfg_clear_i = 1;
  tick();
  model->cfg_valid_i = 0;
  model->in_valid_i = 1;
  model->out_ready_i = 1;
  Variant v{name, flag_set, flags, rows, cols, {}, cycles, {}};
  v.rep = [ctx, model, beats, rows, cols, cycles, tick, name = std::string(name)] {
    long rows_out = 0;
    const auto t0 = Clock::now();
    for (long c = 0; c < cycles; ++c) {
      const std::uint32_t* beat =
          &(*beats)[static_cast<std::size_t>(c % kDepth) * static_cast<std::size_t>(rows + cols)];
      for (int i = 0; i < rows; ++i) model->in_a_i[i] = beat[i];
      for (int j = 0; j < cols; ++j) model->in_b_i[j] = beat[rows + j];
      rows_out += model->out_valid_o;
      tick();
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    // At one tile per kDepth cycles, rows leave at rows / kDepth per cycle.
    const long expected = cycles / kDepth * rows;
    if (std::labs(rows_out - expected) > 2L * rows)
      throw std::runtime_error(
          fmt::format("{}: {} rows out in {} cycles, expected about {}", name, rows_out, cycles, expected));
    return s;
  };
  return v;
}

template <class Model>
void add_Mac(std::vector<Variant>& out, const char* name, int, int, const char* flag_set, const char* flags,
             double scale) {
  out.push_back(mac_variant<Model>(name, flag_set, flags, static_cast<long>(scale * (1 << 21))));
}
template <class Model>
void add_Array(std::vector<Variant>& out, const char* name, int rows, int cols, const char* flag_set, const char* flags,
               double scale) {
  out.push_back(
      array_variant<Model>(name, rows, cols, flag_set, flags, static_cast<long>(scale * 1.6e6 / (rows * cols))));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Verilator simulation speed of the mpsim RTL (MAC throughput, array cycles per second)"};
  int reps = 5;
  double scale = 1.0;
  std::string csv_path;
  app.add_option("--reps", reps, "repetitions per variant (median reported)")->check(CLI::Range(1, 100));
  app.add_option("--scale", scale, "work per repetition, relative to the default")->check(CLI::Range(0.01, 100.0));
  app.add_option("--csv", csv_path, "also write the table as CSV");
  CLI11_PARSE(app, argc, argv);

  // Work per rep: 2 Mi MACs; 1.6 M PE-cycles of the array (100k cycles at 4x4, 6250 at 16x16).
  std::vector<Variant> variants;
#define MPSIM_ADD_VARIANT(kind, Class, name, rows, cols, flag_set, flags) \
  add_##kind<Class>(variants, name, rows, cols, flag_set, flags, scale);
  MPSIM_RTL_BENCH_MODELS(MPSIM_ADD_VARIANT)
#undef MPSIM_ADD_VARIANT

  // Interleave: rep r of every variant before rep r + 1 of any.
  for (Variant& v : variants) v.rep();  // warm-up
  for (int r = 0; r < reps; ++r)
    for (Variant& v : variants) v.seconds.push_back(v.rep());

  std::FILE* csv = csv_path.empty() ? nullptr : std::fopen(csv_path.c_str(), "w");
  if (csv) std::fprintf(csv, "model,rows,cols,flag_set,median_s,min_s,per_s,pe_macs_per_s,x_tests\n");
  std::printf("| model | flags | median s | min s | per second | PE-MACs/s | x tests |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|\n");
  double tests_rate = 0;
  for (const Variant& v : variants) {
    const double med = median(v.seconds), best = *std::min_element(v.seconds.begin(), v.seconds.end());
    const double rate = static_cast<double>(v.work) / med;  // MACs/s or cycles/s
    const double pe_macs = v.rows == 0 ? rate : rate * v.rows * v.cols;
    if (v.flag_set == "tests") tests_rate = rate;
    const std::string unit = v.rows == 0 ? "MACs" : "cycles";
    std::printf("| %s | `%s` | %.3f | %.3f | %.3g %s | %.3g | %.2f |\n", v.name.c_str(), v.flags.c_str(), med, best,
                rate, unit.c_str(), pe_macs, rate / tests_rate);
    if (csv)
      std::fprintf(csv, "%s,%d,%d,%s,%.6f,%.6f,%.6g,%.6g,%.4f\n", v.name.c_str(), v.rows, v.cols, v.flag_set.c_str(),
                   med, best, rate, pe_macs, rate / tests_rate);
  }
  if (csv) std::fclose(csv);
  return 0;
}
