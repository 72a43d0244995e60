// sim/ speed (issue 5's goals on a 2-core machine): wall time of simulate() for
//   - ResNet-18 forward on scalesim_32x32 (the SCALE-Sim .cfg) in scalesim timing: < 1.5 s
//     (SCALE-Sim v2 takes about 150 s for it);
//   - the ResNet-18 training step (fwd + bwd_data + bwd_weight, batch 32) on the 32x32 and
//     128x128 configs in mpsim timing;
//   - a ResNet-50 training step (batch 32): < 15 s;
// with simulated array cycles and MACs per wall second. Medians of --reps runs after one warm-up.
// The workloads come from configs/topologies/ through the same import `mpsim simulate` uses,
// with its defaults (scalesim conv output and one byte per word under the .cfg; valid conv
// output and fp32 under mpsim timing).
//
//   bench_sim [--reps 5] [--quick]
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "bench/bench_timing.hpp"
#include "sim/energy_table.hpp"
#include "sim/hw_config.hpp"
#include "sim/scalesim_topology.hpp"
#include "sim/simulator.hpp"

using namespace mpsim;
using namespace mpsim::sim;

namespace {

const std::string kSource = MPSIM_SOURCE_DIR;

struct Case {
  std::string name, hw, topology;
  TimingMode timing;
  bool training;
  std::int64_t batch;
  double goal_s;  // 0: no goal stated
};

void run_case(const Case& c, const EnergyTable& energy, int reps) {
  const HwConfig hw = load_hw_config(kSource + "/configs/hw/" + c.hw);
  TopologyOptions t;
  t.training = c.training;
  t.batch = c.batch;
  t.conv_output = c.timing == TimingMode::scalesim ? ConvOutput::scalesim : ConvOutput::valid;
  if (c.hw.ends_with(".cfg")) t.formats = {formats::e4m3, formats::e4m3, formats::e4m3, formats::fp32};
  const Workload w = read_scalesim_topology_file(kSource + "/configs/topologies/" + c.topology, t);
  SimOptions options;
  options.timing = c.timing;
  SimResult r;
  const double s = bench::median_seconds(reps, [&] { r = simulate(w, hw, energy, options); });
  const auto cycles = static_cast<double>(r.step.total_cycles), macs = static_cast<double>(r.step.macs);
  fmt::print("{:<34} {:<22} {:>9} {:>5} {:>10.3f} {:>8} {:>15} {:>16} {:>13.3e} {:>13.3e}\n", c.name, c.hw,
             timing_mode_name(c.timing), w.ops.size(), s, c.goal_s > 0 ? fmt::format("< {}", c.goal_s) : "-",
             r.step.total_cycles, r.step.macs, cycles / s, macs / s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sim/ speed: wall time of simulate() on ResNet-18 and ResNet-50"};
  int reps = 5;
  bool quick = false;
  app.add_option("--reps", reps, "Timed repetitions per case (median reported)")->check(CLI::Range(1, 1000));
  app.add_flag("--quick", quick, "Only the ResNet-18 forward case, one repetition");
  CLI11_PARSE(app, argc, argv);

  const EnergyTable energy = load_energy_table(MPSIM_DEFAULT_ENERGY_TABLE);
  std::vector<Case> cases = {
      {"ResNet-18 forward", "scalesim_32x32.cfg", "resnet18.csv", TimingMode::scalesim, false, 1, 1.5},
      {"ResNet-18 training step, batch 32", "scalesim_32x32.yaml", "resnet18.csv", TimingMode::mpsim, true, 32, 0},
      {"ResNet-18 training step, batch 32", "large_128x128.yaml", "resnet18.csv", TimingMode::mpsim, true, 32, 0},
      {"ResNet-50 training step, batch 32", "scalesim_32x32.yaml", "resnet50.csv", TimingMode::mpsim, true, 32, 15},
      {"ResNet-50 training step, batch 32", "large_128x128.yaml", "resnet50.csv", TimingMode::mpsim, true, 32, 15},
  };
  if (quick) {
    cases.resize(1);
    reps = 1;
  }
  fmt::print("median of {} runs after one warm-up; wall time of simulate() only (topology import excluded)\n", reps);
  fmt::print("{:<34} {:<22} {:>9} {:>5} {:>10} {:>8} {:>15} {:>16} {:>13} {:>13}\n", "workload", "hw", "timing",
             "ops", "wall_s", "goal_s", "array_cycles", "MACs", "cycles/s", "MACs/s");
  for (const Case& c : cases) run_case(c, energy, reps);
  return 0;
}
