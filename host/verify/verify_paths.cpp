#include "host/verify/verify_paths.hpp"

#include <exception>
#include <memory>
#include <stdexcept>

#include "model/format_names.hpp"
#include "sim/simulator.hpp"

#if MPSIM_HAVE_VERILATOR
#include "rtl/driver/rtl_array_tiles.hpp"
#endif

namespace mpsim::host::verify {

namespace {

#if MPSIM_HAVE_VERILATOR
using rtl_driver::RtlArrayTiles;
constexpr int kRows = RtlArrayTiles::kRows, kCols = RtlArrayTiles::kCols;
constexpr int kFmtMask = RtlArrayTiles::kFmtMask, kAccFmt = RtlArrayTiles::kAccFmt;
#else
// Tiles keep the RTL's shape in a build without it (rtl/CMakeLists.txt: sc_rows, sc_cols).
constexpr int kRows = 4, kCols = 4;
constexpr int kFmtMask = 31, kAccFmt = 0;
#endif
constexpr int kNumRtlFormats = 5;  // the RTL's format codes index kPresets (rtl/README.md "Formats")

int rtl_code(const FloatFormat& f) {
  for (int c = 0; c < kNumRtlFormats; ++c)
    if (kPresets[c].format == f) return c;
  return -1;
}

PathRun make_run(const std::string& key, const std::string& label, std::size_t tiles) {
  PathRun r;
  r.key = key;
  r.label = label;
  r.outputs.resize(tiles);
  r.not_run.resize(tiles);
  r.flags.resize(tiles);
  return r;
}

}  // namespace

bool have_verilator() { return MPSIM_HAVE_VERILATOR != 0; }
int rtl_rows() { return kRows; }
int rtl_cols() { return kCols; }

std::string rtl_unsupported(const VerifyTile& t) {
  for (const FloatFormat* f : {&t.formats.a, &t.formats.b}) {
    const int code = rtl_code(*f);
    if (code < 0 || !(kFmtMask >> code & 1)) return "format " + format_name(*f) + " not in the RTL build";
  }
  if (!(t.formats.acc == kPresets[kAccFmt].format)) return "accumulator " + format_name(t.formats.acc) + " not in the RTL build";
  return "";
}

PathRun run_golden(const std::vector<VerifyTile>& tiles) {
  PathRun r = make_run("golden", "golden dot() (model/)", tiles.size());
  for (std::size_t n = 0; n < tiles.size(); ++n) {
    const VerifyTile& t = tiles[n];
    for (int i = 0; i < t.rows; ++i) {
      for (int j = 0; j < t.cols; ++j) {
        const Encoded e = dot(0, &t.a[static_cast<std::size_t>(i * t.k)], 1, &t.b[static_cast<std::size_t>(j)], t.cols, t.k, t.formats);
        r.outputs[n].push_back(e.bits);
        r.flags[n].push_back(e.flags.bits);
      }
    }
  }
  return r;
}

PathRun run_backend(const std::vector<VerifyTile>& tiles, const std::string& device) {
  PathRun r = make_run(device, device + " gemm_exact (kernels/)", tiles.size());
  std::unique_ptr<kernels::Backend> backend;
  try {
    backend = kernels::make_backend(kernels::parse_device(device), 1);
  } catch (const std::exception& e) {
    std::string why = e.what();
    const std::string prefix = "backend " + device + ": ";
    if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
    r.skipped = "skipped: " + why;
    return r;
  }
  for (std::size_t n = 0; n < tiles.size(); ++n) {
    const VerifyTile& t = tiles[n];
    std::vector<float> a, b;
    for (std::uint32_t code : t.a) a.push_back(static_cast<float>(decode(code, t.formats.a)));
    for (std::uint32_t code : t.b) b.push_back(static_cast<float>(decode(code, t.formats.b)));
    kernels::Tensor ta = backend->from_host({t.rows, t.k}, a, t.formats.a, "verify.A");
    kernels::Tensor tb = backend->from_host({t.k, t.cols}, b, t.formats.b, "verify.B");
    kernels::Tensor tc = backend->empty({t.rows, t.cols}, t.formats.acc, "verify.C");
    backend->gemm_exact({}, t.formats, ta, tb, tc);
    for (float v : backend->to_host(tc)) r.outputs[n].push_back(code_of(v, t.formats.acc));
  }
  return r;
}

PathRun run_rtl_cpp(const std::vector<VerifyTile>& tiles, [[maybe_unused]] std::uint64_t seed,
                    [[maybe_unused]] const std::vector<std::int64_t>& model_engine_cycles) {
  PathRun r = make_run("rtl", "rtl Verilated C++ " + std::to_string(kRows) + "x" + std::to_string(kCols), tiles.size());
  r.has_cycles = true;
  r.cycles.assign(tiles.size(), -1);
  r.expected_cycles.assign(tiles.size(), -1);
#if MPSIM_HAVE_VERILATOR
  RtlArrayTiles array(seed);
  for (std::size_t n = 0; n < tiles.size(); ++n) {
    const VerifyTile& t = tiles[n];
    r.not_run[n] = rtl_unsupported(t);
    if (!r.not_run[n].empty()) continue;
    const rtl_driver::ArrayTileResult got =
        array.run({rtl_code(t.formats.a), rtl_code(t.formats.b), t.rows, t.cols, t.k, t.a, t.b});
    if (!got.error.empty()) throw std::runtime_error("mpsim verify: rtl array, tile " + std::to_string(n) + ": " + got.error);
    r.outputs[n] = got.c;
    r.flags[n] = got.flags;
    r.cycles[n] = static_cast<std::int64_t>(got.cycles);
    // The model engine counts the configuration transfer before the first beat as well.
    const std::int64_t engine = n < model_engine_cycles.size() ? model_engine_cycles[n] : -1;
    r.expected_cycles[n] = engine >= 0 ? engine - 1 : sim::rtl_tile_cycles(kRows, kCols, t.k, RtlArrayTiles::kPipeRegs);
  }
#else
  r.skipped = "n/a: built without Verilator";
#endif
  return r;
}

PathRun run_systemc(const std::vector<VerifyTile>& tiles, const std::string& energy_table) {
  PathRun r = make_run("systemc", "systemc rtl engine (sim/)", tiles.size());
  r.has_cycles = true;
  r.cycles.assign(tiles.size(), -1);
  r.expected_cycles.assign(tiles.size(), -1);
  if (!have_verilator()) {
    r.skipped = "n/a: built without Verilator";
    return r;
  }
  if (!sim::rtl_engine_available()) {
    r.skipped = "n/a: the SystemC rtl engine is not in this build";
    return r;
  }
  // One op per tile the RTL can run, on the engine's own configuration: R x C, one product
  // register, os, one lane, fp32 accumulation; DRAM unlimited and the buffers large, so each
  // op's cycles are the array's alone (configuration + T(R, C, K, P)).
  sim::HwConfig hw;
  hw.name = "verify_rtl_engine";
  hw.array.rows = kRows;
  hw.array.cols = kCols;
  hw.array.dataflow = sim::Dataflow::os;
#if MPSIM_HAVE_VERILATOR
  hw.array.mac_latency = RtlArrayTiles::kPipeRegs;
#endif
  hw.array.accumulator = kPresets[kAccFmt].format;
  for (sim::SramConfig* s : {&hw.sram_a, &hw.sram_b, &hw.sram_c}) {
    s->capacity_bytes = std::int64_t{1} << 24;
    s->bytes_per_cycle = 1 << 20;
  }
  hw.dram.unlimited = true;
  hw.dram.latency_ns = 0.0;
  hw.dram.burst_bytes = 1;
  hw.timing = sim::TimingMode::mpsim;
  Workload w;
  std::vector<sim::RtlOpBits> bits;
  std::vector<std::size_t> tile_of_op;
  for (std::size_t n = 0; n < tiles.size(); ++n) {
    const VerifyTile& t = tiles[n];
    r.not_run[n] = rtl_unsupported(t);
    if (!r.not_run[n].empty()) continue;
    GemmOp op;
    op.name = "tile" + std::to_string(n) + "." + t.gemm;
    op.layer = t.gemm;
    op.phase = t.phase;
    op.m = t.rows;
    op.n = t.cols;
    op.k = t.k;
    op.a = {op.name + ".A", TensorRole::activation, t.formats.a};
    op.b = {op.name + ".B", TensorRole::weight, t.formats.b};
    op.c = {op.name + ".C", TensorRole::activation, t.formats.acc};
    op.accumulator = t.formats.acc;
    w.ops.push_back(op);
    bits.push_back({t.a, t.b, {}});
    tile_of_op.push_back(n);
  }
  if (w.ops.empty()) return r;
  const sim::EnergyTable energy = sim::load_energy_table(energy_table);
  sim::SimOptions rtl;
  rtl.engine = sim::Engine::rtl;
  rtl.rtl_bits = &bits;
  const sim::SimResult by_rtl = sim::simulate(w, hw, energy, rtl);
  const sim::SimResult by_model = sim::simulate(w, hw, energy, {});
  for (std::size_t i = 0; i < w.ops.size(); ++i) {
    const std::size_t n = tile_of_op[i];
    r.outputs[n] = bits[i].c;
    r.cycles[n] = by_rtl.ops[i].total_cycles;
    r.expected_cycles[n] = by_model.ops[i].total_cycles;
  }
  return r;
}

}  // namespace mpsim::host::verify
