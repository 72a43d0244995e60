// `mpsim train` through the real binary: bad configs and flags get one line on stderr, a
// non-zero exit, and leave --out untouched; a good run writes its files; --emit-workload and
// --explain-assignment work without training.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/support/run_mpsim.hpp"
#include "model/workload.hpp"

namespace fs = std::filesystem;

namespace {

using mpsim::test::Run;
using mpsim::test::run_mpsim;
using mpsim::test::slurp;

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("mpsim_train_cli_" + std::to_string(::getpid())) / name;
  fs::create_directories(d);
  return d;
}

const std::string kTiny = std::string(MPSIM_SOURCE_DIR) + "/configs/train/tiny_synthetic.yaml";

// Every file under dir with its contents.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[e.path().string()] = slurp(e.path());
  return files;
}

struct BadInput {
  const char* what;
  std::string yaml;   // config text ("" : the tiny config file)
  std::string args;   // extra flags
  const char* expect; // substring of the one error line
};

}  // namespace

TEST_CASE("mpsim train rejects bad configs and flags with one line and touches nothing", "[host][train][cli]") {
  const std::string base = slurp(kTiny);
  const BadInput cases[] = {
      {"misspelt top-level key", base + "epoch: 3\n", "", "key 'epoch': unknown key (did you mean 'epochs'?)"},
      {"negative learning rate", "", "--set optimizer.lr=-1", "key 'optimizer.lr': must be a number in"},
      {"unknown model", "", "--set model.name=lenet", "did you mean 'lenet5'?"},
      {"zero batch", "", "--set batch=0", "key 'batch'"},
      {"unknown dataset", "", "--set dataset.name=cifar11", "key 'dataset.name'"},
      {"unknown schedule", "", "--set schedule.name=cosinus", "did you mean 'cosine'?"},
      {"unknown optimizer key", "", "--set optimizer.momentun=0.9", "did you mean 'momentum'?"},
      {"unknown policy", "", "--policy leee", "policy"},
      {"malformed --set", "", "--set epochs", "must be key=value"},
      {"YAML syntax error", "epochs: [3\n", "", "YAML syntax error"},
      {"not a mapping", "- 1\n- 2\n", "", "must be a YAML mapping"},
      {"unknown backend", "", "--backend tpu", "--backend"},
      {"resume without a checkpoint", "", "--resume", "no checkpoint"},
      {"missing config file", "<missing>", "", "cannot open"},
  };
  for (const BadInput& c : cases) {
    INFO(c.what);
    const fs::path dir = scratch(std::string("bad_") + std::to_string(&c - cases));
    const fs::path out = dir / "out";
    fs::create_directories(out);
    std::ofstream(out / "keep.txt") << "results of an earlier run\n";
    const auto before = snapshot(out);
    std::string config = kTiny;
    if (std::string(c.yaml) == "<missing>") {
      config = (dir / "missing.yaml").string();
    } else if (!c.yaml.empty()) {
      config = (dir / "config.yaml").string();
      std::ofstream(config) << c.yaml;
    }
    const Run r = run_mpsim("train --config " + config + " --out " + out.string() + " " + c.args);
    INFO("stderr: " << r.err);
    CHECK(r.status != 0);
    CHECK(r.err.find(c.expect) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(snapshot(out) == before);
  }
}

TEST_CASE("mpsim train --backend cuda without a usable GPU is one line and touches nothing", "[host][train][cli]") {
  // CUDA_VISIBLE_DEVICES=-1 hides every GPU, so this means the same on machines with and
  // without one; a build without CUDA says so instead.
  const fs::path out = scratch("cuda_absent") / "out";
  fs::create_directories(out);
  std::ofstream(out / "keep.txt") << "results of an earlier run\n";
  const auto before = snapshot(out);
  const Run r = mpsim::test::run_command("CUDA_VISIBLE_DEVICES=-1",
                                         "train --config " + kTiny + " --backend cuda --out " + out.string());
  INFO("stderr: " << r.err);
  CHECK(r.status == 1);
  CHECK(r.err.rfind("mpsim: error: backend cuda: ", 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.out.empty());
  CHECK(snapshot(out) == before);
}

TEST_CASE("mpsim train writes metrics, tensors, summary and a checkpoint", "[host][train][cli]") {
  const fs::path out = scratch("good") / "out";
  const Run r = run_mpsim("train --config " + kTiny + " --epochs 1 --threads 1 --out " + out.string());
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("epoch 1/1") != std::string::npos);
  for (const char* f : {"metrics.csv", "tensors.csv", "summary.json", "checkpoint.bin"}) CHECK(fs::exists(out / f));
  CHECK(slurp(out / "summary.json").find("\"status\": \"completed\"") != std::string::npos);
  const std::string metrics = slurp(out / "metrics.csv");
  CHECK(std::count(metrics.begin(), metrics.end(), '\n') == 2);  // header + one epoch
  CHECK(slurp(out / "tensors.csv").find("conv1.weight,conv1,weight,") != std::string::npos);
}

TEST_CASE("mpsim train --emit-workload and --explain-assignment", "[host][train][cli]") {
  const fs::path dir = scratch("workload");
  const Run w = run_mpsim("train --config " + kTiny + " --policy hfp8 --emit-workload " + (dir / "step.jsonl").string());
  INFO(w.out << w.err);
  REQUIRE(w.status == 0);
  const mpsim::Workload workload = mpsim::read_workload_file((dir / "step.jsonl").string());
  CHECK(workload.ops.size() == 14);  // LeNet-5: 5 fwd, 4 bwd_data, 5 bwd_weight
  const Run e = run_mpsim("train --config " + kTiny + " --policy lee --explain-assignment");
  INFO(e.err);
  CHECK(e.status == 0);
  CHECK(e.out.find("conv2") != std::string::npos);
  CHECK(!fs::exists(dir / "runs"));
}
