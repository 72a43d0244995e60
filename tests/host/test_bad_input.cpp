// Bad input through the real binary, one row per parser of a user file (issue 9, "Bad input"):
// a hand-written bad file (empty, truncated, wrong type, zero or huge sizes, NaN, duplicate keys,
// keys that are not names, wrong magic) gives exactly one line on stderr naming the file, the
// key or field and what is allowed, a non-zero exit, and leaves the output directory as it was.
// The parsers' own tables (tests/sim/test_sim_config.cpp, tests/model/test_workload.cpp,
// tests/sim/test_scalesim_topology.cpp, tests/host/data/, tests/host/precision/,
// tests/host/test_experiment.cpp, tests/host/test_train_cli.cpp) cover the other messages; this
// one fills their gaps and checks each whole line as a user sees it. The checkpoint reader, which
// had no table, gets one below at library level too.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "host/train/checkpoint.hpp"
#include "tests/support/run_mpsim.hpp"

namespace fs = std::filesystem;
using mpsim::test::Run;
using mpsim::test::run_mpsim;
using mpsim::test::slurp;

namespace {

const std::string kSource = MPSIM_SOURCE_DIR;
const std::string kEdge = kSource + "/configs/hw/edge_16x16.yaml";
const std::string kTinyConv = kSource + "/configs/topologies/tiny_conv.csv";
const std::string kTinyTrain = kSource + "/configs/train/tiny_synthetic.yaml";

// Every file under dir with its contents, but the lock file: `mpsim train` takes its lock on
// --out (DIR/.mpsim.lock, an empty file flock() needs) before it reads the checkpoint there, and
// a lock file is left in place by design (removing it would race with the next run's flock).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != ".mpsim.lock") files[e.path().string()] = slurp(e.path());
  return files;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// IDX images (count x 2 x 2) and labels, as the header says (the payload may be cut short).
std::string idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols, std::size_t payload) {
  return be32(0x803) + be32(count) + be32(rows) + be32(cols) + std::string(payload, '\x10');
}
std::string idx_labels(std::uint32_t count, std::size_t payload, char label = 1) {
  return be32(0x801) + be32(count) + std::string(payload, label);
}

// A Fashion-MNIST directory: "train-images-idx3-ubyte" etc.; `bad` replaces one of the four.
std::vector<std::pair<std::string, std::string>> fmnist(const std::string& bad_name, const std::string& bad) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"fm/train-images-idx3-ubyte", idx_images(2, 2, 2, 8)},
      {"fm/train-labels-idx1-ubyte", idx_labels(2, 2)},
      {"fm/t10k-images-idx3-ubyte", idx_images(2, 2, 2, 8)},
      {"fm/t10k-labels-idx1-ubyte", idx_labels(2, 2)}};
  for (auto& [name, text] : files)
    if (name == "fm/" + bad_name) text = bad;
  return files;
}

std::string cifar_record(char label) { return std::string(1, label) + std::string(3072, '\x20'); }

struct Case {
  const char* what;
  std::string args;                                      // "@" is the case's scratch directory
  std::vector<std::pair<std::string, std::string>> files;  // written under @ before the run
  std::string expected;                                  // the whole stderr line, "@" as above
  std::string input = "";                                // stdin
};

}  // namespace

TEST_CASE("bad input files: one exact line, a non-zero exit, the output directory unchanged", "[host][cli][badinput]") {
  const std::string hw = slurp(kEdge);
  const std::string cfg = slurp(kSource + "/configs/hw/scalesim_32x32.cfg");
  const std::string energy = slurp(kSource + "/configs/energy/horowitz_45nm.yaml");
  const std::string train = slurp(kTinyTrain);
  const std::string sim = "simulate --hw " + kEdge + " --workload " + kTinyConv + " --out @/out";
  const std::string sim_hw_yaml = "simulate --hw @/hw.yaml --workload " + kTinyConv + " --out @/out";
  const std::string sim_hw_cfg = "simulate --hw @/hw.cfg --workload " + kTinyConv + " --out @/out";
  const auto sim_workload = [&](const std::string& file) { return "simulate --hw " + kEdge + " --workload @/" + file + " --out @/out"; };
  const std::string train_t = "train --config @/t.yaml --out @/out";
  const std::string op = R"({"name":"x","layer":"l","phase":"fwd","M":2,"N":3,"K":4,)"
                         R"("A":{"tensor":"a","role":"activation","format":"e4m3"},)"
                         R"("B":{"tensor":"b","role":"weight","format":"e4m3"},)"
                         R"("C":{"tensor":"c","role":"activation","format":"fp16"}})";
  const std::string experiment = "train: " + kTinyTrain + "\nhw: [" + kEdge +
                                 "]\nassignments:\n  - {label: fp32, policy: {name: uniform, format: fp32}}\n";
  const std::string fm_train = replace(train, "  name: synthetic", "  name: fashion_mnist\n  path: @/fm");
  const std::string cifar_train = replace(train, "  name: synthetic", "  name: cifar10\n  path: @/c10");
  const std::string cifar_train_body = replace(cifar_train, "  train_subset: 1024\n  test_subset: 512\n", "");

  const std::vector<Case> cases = {
      // --- hw config YAML (sim/hw_config.cpp)
      {"hw: empty file", sim_hw_yaml, {{"hw.yaml", ""}},
       "mpsim simulate: @/hw.yaml: the file must be a YAML map of keys (docs/SIM.md)"},
      {"hw: truncated file", sim_hw_yaml,
       {{"hw.yaml", hw.substr(0, hw.find("sram:"))}}, "mpsim simulate: @/hw.yaml: key 'sram': missing; required"},
      {"hw: duplicate key", sim_hw_yaml,
       {{"hw.yaml", replace(hw, "  rows: 16\n", "  rows: 16\n  rows: 8\n")}},
       "mpsim simulate: @/hw.yaml: key 'array.rows': given twice (lines 8 and 9); each key may appear once"},
      {"hw: a list as a key", sim_hw_yaml,
       {{"hw.yaml", "? [a, b]\n: 1\n" + hw}}, "mpsim simulate: @/hw.yaml: keys must be plain names (got a list as a key)"},
      {"hw: huge size", sim_hw_yaml,
       {{"hw.yaml", replace(hw, "rows: 16", "rows: 99999999999999999999")}},
       "mpsim simulate: @/hw.yaml: key 'array.rows': a whole number from 1 to 16384 (got '99999999999999999999')"},
      {"hw: NaN clock", sim_hw_yaml,
       {{"hw.yaml", replace(hw, "clock_mhz: 500", "clock_mhz: .nan")}},
       "mpsim simulate: @/hw.yaml: key 'clock_mhz': a number greater than 0 and up to 100000 (got '.nan')"},
      // --- SCALE-Sim .cfg (sim/scalesim_cfg.cpp)
      {"cfg: empty file", sim_hw_cfg, {{"hw.cfg", ""}},
       "mpsim simulate: @/hw.cfg: key 'architecture_presets.ArrayHeight': missing; required"},
      {"cfg: duplicate key", sim_hw_cfg,
       {{"hw.cfg", replace(cfg, "Dataflow : os", "Dataflow : os\nDataflow : ws")}},
       "mpsim simulate: @/hw.cfg: key 'architecture_presets.Dataflow': given twice (lines 13 and 14); each key may "
       "appear once"},
      {"cfg: huge size", sim_hw_cfg,
       {{"hw.cfg", replace(cfg, "IfmapSramSzkB:    64", "IfmapSramSzkB: 1099511627776")}},
       "mpsim simulate: @/hw.cfg: key 'architecture_presets.IfmapSramSzkB': a whole number from 1 to 16777216 (got '1099511627776')"},
      // --- energy table (sim/energy_table.cpp)
      {"energy: empty file", sim + " --energy @/e.yaml", {{"e.yaml", ""}},
       "mpsim simulate: @/e.yaml: the file must be a YAML map of keys (docs/SIM.md)"},
      {"energy: duplicate format", sim + " --energy @/e.yaml",
       {{"e.yaml", replace(energy, "multiply:\n", "multiply:\n  fp16: {pj: 1, source: x}\n")}},
       "mpsim simulate: @/e.yaml: key 'multiply.fp16': given twice (lines 10 and 12); each key may appear once"},
      {"energy: NaN", sim + " --energy @/e.yaml", {{"e.yaml", replace(energy, "pj: 3.7,", "pj: .nan,")}},
       "mpsim simulate: @/e.yaml: key 'multiply.fp32.pj': a number from 0 to 10000000 (got '.nan')"},
      // --- SCALE-Sim topology CSV (sim/scalesim_topology.cpp)
      {"topology: empty file", sim_workload("t.csv"), {{"t.csv", ""}},
       "mpsim simulate: @/t.csv: empty file (expected a SCALE-Sim topology header line)"},
      {"topology: huge size", sim_workload("t.csv"),
       {{"t.csv", "Layer, M, N, K,\nproj, 99999999999, 32, 48,\n"}}, "mpsim simulate: @/t.csv:2: column 'M': '99999999999' is not an integer from 1 to 16777216"},
      // --- workload JSON lines (model/workload.cpp)
      {"workload: empty file", sim_workload("w.jsonl"), {{"w.jsonl", ""}},
       "mpsim simulate: @/w.jsonl: no GEMM ops (the file is empty)"},
      {"workload: truncated line", sim_workload("w.jsonl"),
       {{"w.jsonl", op.substr(0, 40) + "\n"}}, "mpsim simulate: @/w.jsonl:1: not valid JSON: parse error at line 1, column 41: syntax error while parsing "
       "object key - invalid string: missing closing quote; last read: '\"M'; expected string literal"},
      {"workload: huge sizes", sim_workload("w.jsonl"),
       {{"w.jsonl", replace(replace(replace(op, "\"M\":2", "\"M\":1099511627775"), "\"N\":3", "\"N\":1099511627775"),
                            "\"K\":4", "\"K\":1099511627775") + "\n"}},
       "mpsim simulate: @/w.jsonl:1: M x N x K must be at most 2^62, got 1099511627775 x 1099511627775 x "
       "1099511627775"},
      {"workload: duplicate key", sim_workload("w.jsonl"),
       {{"w.jsonl", replace(op, "\"M\":2,", "\"M\":2,\"M\":5,") + "\n"}}, "mpsim simulate: @/w.jsonl:1: key 'M' given twice"},
      // --- training config and its policy (host/config/)
      {"train: duplicate key", train_t, {{"t.yaml", train + "epochs: 3\n"}},
       "mpsim train: @/t.yaml: key 'epochs': given twice (lines 17 and 23); each key may appear once"},
      {"train: a map as a key", train_t, {{"t.yaml", "? {a: 1}\n: 2\n" + train}},
       "mpsim train: @/t.yaml: keys must be plain names, not a list or mapping"},
      {"train: NaN learning rate", train_t,
       {{"t.yaml", replace(train, "lr: 0.01", "lr: .nan")}}, "mpsim train: @/t.yaml: key 'optimizer.lr': must be a number in (0, 100], not '.nan'"},
      {"train: unknown init scheme", train_t,
       {{"t.yaml", replace(train, "  width: 0.5\n", "  width: 0.5\n  init: pytorch\n")}},
       "mpsim train: @/t.yaml: key 'model.init': must be one of he|torch, not 'pytorch' (did you mean 'torch'?)"},
      {"train: negative crop padding", train_t,
       {{"t.yaml", replace(train, "  test_subset: 512\n", "  test_subset: 512\n  crop_padding: -1\n")}},
       "mpsim train: @/t.yaml: key 'dataset.crop_padding': must be an integer in [0, 16], not -1"},
      {"train: huge batch", train_t,
       {{"t.yaml", replace(train, "batch: 32", "batch: 99999999999999999999")}},
       "mpsim train: @/t.yaml: key 'batch': must be an integer in [1, 1048576], not '99999999999999999999'"},
      {"policy: duplicate key", train_t,
       {{"t.yaml", replace(train, "  format: fp32\n", "  format: fp32\n  format: e4m3\n")}},
       "mpsim train: @/t.yaml: key 'policy.format': given twice (lines 22 and 23); each key may appear once"},
      {"policy: NaN ratio", train_t,
       {{"t.yaml", replace(train, "  name: uniform\n  format: fp32\n", "  name: lee\n  r: .nan\n")}},
       "mpsim train: @/t.yaml: key 'policy.r': must be a number in [0, 1], not '.nan'"},
      // --- experiment config (host/config/experiment_config.cpp)
      {"experiment: empty file", "run @/x.yaml --out @/out", {{"x.yaml", ""}}, "mpsim run: @/x.yaml: must be a mapping of keys (name, train, assignments, ...)"},
      {"experiment: duplicate key", "run @/x.yaml --out @/out", {{"x.yaml", experiment + "seeds: [1]\nseeds: [2]\n"}},
       "mpsim run: @/x.yaml: key 'seeds': given twice (lines 5 and 6); each key may appear once"},
      {"experiment: train is a device", "run @/x.yaml --out @/out",
       {{"x.yaml", replace(experiment, "train: " + kTinyTrain, "train: /dev/zero")}},
       "mpsim run: @/x.yaml: key 'train': cannot open '/dev/zero' (paths are relative to this file)"},
      // --- IDX (host/data/idx_reader.cpp)
      {"idx: wrong magic", train_t,
       [&] {
         auto f = fmnist("train-images-idx3-ubyte", be32(0x0803) + be32(2) + be32(2) + be32(2) + std::string(8, 'x'));
         f[0].second[2] = 0x09;
         f.push_back({"t.yaml", fm_train});
         return f;
       }(),
       "mpsim train: @/fm/train-images-idx3-ubyte: wrong magic 0x00000903 for an IDX images file (expected 0x00000803)"},
      {"idx: empty file", train_t,
       [&] { auto f = fmnist("train-labels-idx1-ubyte", ""); f.push_back({"t.yaml", fm_train}); return f; }(),
       "mpsim train: @/fm/train-labels-idx1-ubyte: truncated labels file: 0 bytes, no IDX header"},
      {"idx: huge count", train_t,
       [&] {
         auto f = fmnist("train-images-idx3-ubyte", idx_images(0xffffffffu, 4096, 4096, 8));
         f.push_back({"t.yaml", fm_train});
         return f;
       }(),
       "mpsim train: @/fm/train-images-idx3-ubyte: truncated images file: 24 bytes, the header announces 72057594021150736"},
      {"idx: zero rows", train_t,
       [&] { auto f = fmnist("train-images-idx3-ubyte", idx_images(2, 0, 2, 0)); f.push_back({"t.yaml", fm_train}); return f; }(),
       "mpsim train: @/fm/train-images-idx3-ubyte: implausible image size 0x2"},
      // --- CIFAR (host/data/cifar_reader.cpp)
      {"cifar: truncated record", train_t,
       {{"c10/data_batch_1.bin", cifar_record(1).substr(0, 3000)}, {"t.yaml", cifar_train_body}},
       "mpsim train: @/c10/data_batch_1.bin: truncated: 3000 bytes is not a whole number of 3073-byte records"},
      {"cifar: empty file", train_t,
       {{"c10/data_batch_1.bin", ""}, {"t.yaml", cifar_train_body}},
       "mpsim train: @/c10/data_batch_1.bin: truncated: 0 bytes is not a whole number of 3073-byte records"},
      {"cifar: label out of range", train_t,
       {{"c10/data_batch_1.bin", cifar_record(1) + cifar_record(10)}, {"t.yaml", cifar_train_body}},
       "mpsim train: @/c10/data_batch_1.bin: label 10 of record 1 is outside [0, 10)"},
      // --- checkpoint (host/train/checkpoint.cpp), as `mpsim train --resume` finds it in --out
      {"checkpoint: wrong magic", "train --config " + kTinyTrain + " --out @/out --resume",
       {{"out/checkpoint.bin", std::string("NOTACKPT") + std::string(40, '\0')}},
       "mpsim train: @/out/checkpoint.bin: not an mpsim checkpoint (bad magic)"},
      {"checkpoint: empty file", "train --config " + kTinyTrain + " --out @/out --resume", {{"out/checkpoint.bin", ""}},
       "mpsim train: @/out/checkpoint.bin: not an mpsim checkpoint (bad magic)"},
      // --- mpsim quantize's numbers (host/cli/number_parser.cpp)
      {"quantize: not a number", "quantize --format e4m3", {}, "mpsim quantize: stdin line 2: '0x1.8q-3' is not a number (expected a decimal, a hex float such as "
       "0x1.8p-3, inf, -inf or nan)", "1.5\n0x1.8q-3\n"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const fs::path dir = mpsim::test::fresh_temp_dir("badinput_" + std::to_string(n++));
    const auto at = [&](const std::string& s) { return replace_all(s, "@", dir.string()); };
    fs::create_directories(dir / "out");
    std::ofstream(dir / "out" / "keep.txt") << "results of an earlier run\n";
    for (const auto& [name, text] : c.files) {
      fs::create_directories((dir / name).parent_path());
      std::ofstream(dir / name, std::ios::binary) << at(text);
    }
    const auto before = snapshot(dir / "out");
    const Run r = run_mpsim(at(c.args), c.input);
    INFO(c.what << "\n$ mpsim " << at(c.args) << "\nstderr: " << r.err);
    CHECK(r.status != 0);
    CHECK(r.err == at(c.expected) + "\n");
    CHECK(snapshot(dir / "out") == before);
    fs::remove_all(dir);
  }
}

namespace {

// A checkpoint as its sections (host/train/checkpoint.hpp layout), to corrupt one field and
// write it back with correct CRCs, so the check under test is the one that fires.
struct Sections {
  std::uint32_t version = 0;
  std::vector<std::pair<std::uint32_t, std::string>> list;
};

template <typename T>
T get_at(const std::string& b, std::size_t pos) {
  T v;
  std::memcpy(&v, b.data() + pos, sizeof v);
  return v;
}
template <typename T>
void put(std::string& b, T v) {
  b.append(reinterpret_cast<const char*>(&v), sizeof v);
}
std::uint32_t crc_of(const std::string& s) {
  return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

Sections split(const std::string& b) {
  Sections s;
  s.version = get_at<std::uint32_t>(b, 8);
  const auto count = get_at<std::uint32_t>(b, 12);
  std::size_t pos = 16;
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto tag = get_at<std::uint32_t>(b, pos);
    const auto n = get_at<std::uint64_t>(b, pos + 4);
    s.list.emplace_back(tag, b.substr(pos + 12, n));
    pos += 12 + n + 4;
  }
  return s;
}

std::string join(const Sections& s) {
  std::string b = "MPSIMCKP";
  put(b, s.version);
  put(b, static_cast<std::uint32_t>(s.list.size()));
  for (const auto& [tag, payload] : s.list) {
    put(b, tag);
    put(b, static_cast<std::uint64_t>(payload.size()));
    b += payload;
    put(b, crc_of(payload));
  }
  put(b, crc_of(b));
  return b;
}

std::string& section(Sections& s, std::uint32_t tag) {
  for (auto& [t, payload] : s.list)
    if (t == tag) return payload;
  FAIL("no section " << tag);
  throw;
}

}  // namespace

TEST_CASE("checkpoint reader: each corruption is one line naming the file, nothing allocated from it", "[host][train][badinput]") {
  namespace train = mpsim::host::train;
  train::Checkpoint c;
  c.fingerprint = "lenet5 synthetic";
  c.tensors = {{1.0f, 2.0f}, {3.0f}};
  c.bn_stats = {{0.0f, 1.0f}};
  c.assignment.tensors.resize(2);
  c.policy_state = {0.5};
  const fs::path dir = mpsim::test::fresh_temp_dir("badinput_ckpt");
  const std::string path = (dir / "checkpoint.bin").string();
  train::write_checkpoint(path, c);
  const std::string good = slurp(path);
  REQUIRE(train::parse_checkpoint(good, "ck").tensors == c.tensors);

  // Section tags (checkpoint.cpp): 1 fingerprint, 2 run state, 3 tensors, 4 BN statistics,
  // 5 loss scaler, 6 assignment, 7 policy state.
  const auto edit = [&](auto change) {
    Sections s = split(good);
    change(s);
    return join(s);
  };
  const auto huge = [](std::string& payload, std::size_t at) {
    const std::uint64_t n = std::uint64_t{1} << 62;
    std::memcpy(payload.data() + at, &n, sizeof n);
  };
  struct Case {
    const char* what;
    std::string bytes, expected;
  };
  const Case cases[] = {
      {"empty file", "", "ck: not an mpsim checkpoint (bad magic)"},
      {"wrong magic", "MPSIMCKQ" + good.substr(8), "ck: not an mpsim checkpoint (bad magic)"},
      {"truncated", good.substr(0, good.size() - 9), "ck: checksum mismatch (truncated or corrupted file)"},
      {"one bit flipped", [&] { std::string b = good; b[40] ^= 4; return b; }(),
       "ck: checksum mismatch (truncated or corrupted file)"},
      {"newer version", edit([](Sections& s) { s.version = 2; }), "ck: checkpoint version 2, this mpsim reads version 1"},
      {"section missing", edit([](Sections& s) { s.list.pop_back(); }), "ck: section 7 is missing"},
      {"unknown section", edit([](Sections& s) { s.list[0].first = 99; }), "ck: unknown section 99"},
      {"huge tensor count", edit([&](Sections& s) { huge(section(s, 3), 0); }), "ck: section is truncated"},
      {"huge tensor length", edit([&](Sections& s) { huge(section(s, 3), 8); }), "ck: section is truncated"},
      {"huge BN count", edit([&](Sections& s) { huge(section(s, 4), 0); }), "ck: section is truncated"},
      {"huge string length", edit([&](Sections& s) { huge(section(s, 2), 20); }), "ck: section is truncated"},
      {"huge assignment count", edit([&](Sections& s) { huge(section(s, 6), 14); }), "ck: section is truncated"},
      {"zero exponent bits", edit([](Sections& s) { std::memset(section(s, 6).data(), 0, 4); }),
       "ck: section 6 holds an unsupported float format"},
      {"bias near INT_MIN", edit([](Sections& s) { std::memset(section(s, 6).data() + 8, 0x80, 4); }),
       "ck: section 6 holds an unsupported float format"},
      {"unknown rounding code", edit([](Sections& s) { section(s, 6)[14 + 8 + 14] = 9; }),
       "ck: section 6 holds an unknown rounding or overflow code"},
      {"trailing bytes", edit([](Sections& s) { section(s, 5) += "xx"; }), "ck: section 5 is longer than its contents"},
      {"short scaler", edit([](Sections& s) { section(s, 5).resize(8); }), "ck: section is truncated"},
  };
  for (const Case& k : cases) {
    INFO(k.what);
    std::string message = "(no error)";
    try {
      (void)train::parse_checkpoint(k.bytes, "ck");
    } catch (const train::CheckpointError& e) {
      message = e.what();
    }
    CHECK(message == k.expected);
  }
  fs::remove_all(dir);
}
