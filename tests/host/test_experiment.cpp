// `mpsim run` end to end on a seconds-long experiment (tests/host/tiny_experiment.yaml): the
// result set and its columns, the cache (a re-run trains nothing and writes the same results),
// the MPI split (`mpirun -np 2` writes what one process writes), and bad experiment files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "host/report/pareto.hpp"
#include "tests/support/run_mpsim.hpp"

namespace fs = std::filesystem;
using mpsim::test::Run;
using mpsim::test::run_command;
using mpsim::test::run_mpsim;
using mpsim::test::slurp;

namespace {

const std::string kSource = MPSIM_SOURCE_DIR;
const std::string kTiny = kSource + "/tests/host/tiny_experiment.yaml";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("pareto_front keeps the points no other point dominates", "[host][report]") {
  using mpsim::host::pareto_front;
  // (reduction, accuracy): 1 dominates 3; 0, 1, 2 trade off; 4 ties 2 in x with less y.
  const std::vector<mpsim::host::ParetoPoint> pts = {{1, 91.0}, {2, 90.5}, {3, 89.0}, {1.5, 90.0}, {3, 88.0}};
  CHECK(pareto_front(pts) == std::vector<std::size_t>{0, 1, 2});
  CHECK(pareto_front({}).empty());
  CHECK(pareto_front({{1, NAN}, {2, 1}}) == std::vector<std::size_t>{1});
}

TEST_CASE("mpsim run writes the result set, and a re-run reuses every point", "[host][experiment]") {
  const fs::path out = mpsim::test::fresh_temp_dir("experiment") / "tiny";
  const Run first = run_mpsim("run " + kTiny + " --out " + out.string());
  INFO(first.out << first.err);
  REQUIRE(first.status == 0);
  // One line per finished point, then the table.
  CHECK(count(first.out, "] fp32 seed ") == 2);
  CHECK(count(first.out, "] lee_r0.5 seed ") == 2);
  CHECK(count(first.out, "(cached)") == 0);

  const auto csv = lines_of(slurp(out / "results.csv"));
  REQUIRE(csv.size() == 1 + 3 * 2);  // header + assignments x hw configs
  CHECK(csv[0].rfind("assignment,policy,hw,seeds,test_accuracy_mean,test_accuracy_sd,", 0) == 0);
  CHECK(csv[0].find("memory_reduction_vs_fp32") != std::string::npos);
  CHECK(csv[0].find("energy_uj_per_image") != std::string::npos);
  CHECK(csv[1].rfind("fp32,uniform,edge_16x16,2,", 0) == 0);

  const auto json = nlohmann::json::parse(slurp(out / "results.json"));
  REQUIRE(json.at("rows").size() == 6);
  REQUIRE(json.at("points").size() == 6);
  for (const auto& row : json.at("rows")) {
    INFO(row.dump());
    CHECK(row.at("seeds") == 2);
    CHECK(row.at("cycles_per_step").get<double>() > 0);
    CHECK(row.at("energy_uj_per_step").get<double>() > 0);
    CHECK(row.at("test_accuracy_mean").get<double>() >= 0);
  }
  // The memory metric orders the assignments: fp32 > mixed16 (exactly 2x) > lee r = 0.5.
  const auto bits = [&](int i) { return json.at("rows")[i].at("memory_bits").get<double>(); };
  CHECK(bits(0) == 2 * bits(2));
  CHECK(bits(4) < bits(2));
  // Halving the bytes of the stored tensors cuts the simulated DRAM traffic of the step.
  const auto dram = [&](int i) { return json.at("rows")[i].at("dram_read_bytes_per_step").get<double>(); };
  CHECK(dram(2) < dram(0));
  CHECK(fs::exists(out / "report.md"));
  CHECK(fs::exists(out / "per_layer.csv"));
  CHECK(lines_of(slurp(out / "curves.csv")).size() == 1 + 6);  // one epoch per point
  CHECK(fs::exists(out / "points/lee_r0.5-seed2/workload.jsonl"));
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    CHECK(fs::file_size(out / "plots/accuracy_vs_memory.png") > 1000);
    CHECK(fs::file_size(out / "plots/energy_split.png") > 1000);
    CHECK(count(slurp(out / "report.md"), "](plots/") >= 6);
  }

  const std::string results = slurp(out / "results.csv");
  const Run again = run_mpsim("run " + kTiny + " --out " + out.string());
  REQUIRE(again.status == 0);
  CHECK(count(again.out, "(cached)") == 6);
  CHECK(slurp(out / "results.csv") == results);

  // --force re-trains every point and, training being deterministic, writes the same numbers.
  const Run forced = run_mpsim("run " + kTiny + " --force --out " + out.string());
  REQUIRE(forced.status == 0);
  CHECK(count(forced.out, "(cached)") == 0);
  CHECK(slurp(out / "results.csv") == results);
  fs::remove_all(out.parent_path());
}

#ifdef MPSIM_MPIRUN
TEST_CASE("mpirun -np 2 mpsim run gathers the one-process result set", "[host][experiment][mpi]") {
  const fs::path dir = mpsim::test::fresh_temp_dir("experiment_mpi");
  REQUIRE(run_mpsim("run " + kTiny + " --out " + (dir / "one").string()).status == 0);
  // Root in containers and CI; two ranks on a machine that may have fewer cores. Under
  // AddressSanitizer (`make test SANITIZE=...`; ignored otherwise) the ranks unwind every
  // allocation's full stack: OpenMPI, built without frame pointers, leaves allocations behind at
  // MPI_Finalize that only the full stack shows to be its own (scripts/sanitizers/lsan.supp).
  const Run two = run_command("ASAN_OPTIONS=\"$ASAN_OPTIONS:fast_unwind_on_malloc=0\" " + std::string(MPSIM_MPIRUN) +
                                  " --allow-run-as-root --oversubscribe -np 2",
                              "run " + kTiny + " --out " + (dir / "two").string());
  INFO(two.out << two.err);
  REQUIRE(two.status == 0);
  CHECK(two.out.find("2 MPI ranks") != std::string::npos);
  for (const char* file : {"results.csv", "curves.csv", "per_layer.csv"}) {
    INFO(file);
    CHECK(slurp(dir / "two" / file) == slurp(dir / "one" / file));
  }
  fs::remove_all(dir);
}
#endif

TEST_CASE("bad experiment files get one line naming the file and key, and write nothing", "[host][experiment]") {
  const fs::path dir = mpsim::test::fresh_temp_dir("experiment_bad");
  const std::string train = "train: " + kSource + "/configs/train/tiny_synthetic.yaml\n";
  const std::string hw = "hw: [" + kSource + "/configs/hw/edge_16x16.yaml]\n";
  const std::string one = "assignments:\n  - {label: fp32, policy: {name: uniform, format: fp32}}\n";
  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {train + hw + one + "seedz: [1]\n", "key 'seedz': unknown key (did you mean 'seeds'?)"},
      {hw + one, "key 'train': is required"},
      {train + one, "key 'hw': is required"},
      {train + hw, "key 'assignments': is required"},
      {train + hw + "assignments: []\n", "key 'assignments': must be a non-empty list"},
      {train + hw + "assignments:\n  - {label: a b, policy: fp32}\n", "key 'assignments[0].label': is required: 1-64"},
      {train + hw + one + "  - {label: fp32, policy: {name: mixed16}}\n", "key 'assignments[1].label': 'fp32' is used twice"},
      {train + hw + "assignments:\n  - {label: x, policy: {name: lee, r: 2}}\n", "key 'policy.r'"},
      {train + hw + one + "seeds: [1, -2]\n", "key 'seeds': must be a list of non-negative integers, not '-2'"},
      {train + hw + one + "seeds: [3, 3]\n", "key 'seeds': must not repeat a seed"},
      {train + "hw: [missing.yaml]\n" + one, "key 'hw[0]': cannot open"},
      {"train: nowhere.yaml\n" + hw + one, "key 'train': cannot open"},
      {train + hw + one + "set: [\"epochs=-1\"]\n", "key 'epochs'"},
      {train + hw + one + "timing: slow\n", "key 'timing': must be one of mpsim|scalesim"},
      {train + hw + one + "name: [1]\n", "key 'name'"},
      {"[1, 2]\n", "must be a mapping"},
      {"a: [\n", "not valid YAML"},
  };
  int i = 0;
  for (const Case& c : cases) {
    const fs::path file = dir / ("bad" + std::to_string(i++) + ".yaml");
    std::ofstream(file) << c.text;
    const fs::path out = dir / "out";
    const Run r = run_mpsim("run " + file.string() + " --out " + out.string());
    INFO(c.text << "\n---\n" << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(c.expected) != std::string::npos);
    CHECK(r.err.find(file.string()) != std::string::npos);
    CHECK(count(r.err, "\n") == 1);
    CHECK_FALSE(fs::exists(out));
  }
  fs::remove_all(dir);
}
