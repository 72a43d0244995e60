// The Workload contract: JSON-lines round trip, every malformed line rejected with its file, line
// and field, and the conv / linear GEMM shapes against hand derivations.
#include <catch2/catch.hpp>
#include <sstream>

#include "model/conv_gemm_shapes.hpp"
#include "model/format_names.hpp"
#include "model/workload.hpp"

using namespace mpsim;

namespace {

GemmOp sample_op(const std::string& name, Phase phase, const char* a_format) {
  GemmOp op;
  op.name = name;
  op.layer = "conv1";
  op.phase = phase;
  op.m = 12544;
  op.n = 64;
  op.k = 147;
  op.a = {"conv1.in", TensorRole::activation, parse_format(a_format)};
  op.b = {"conv1.w", TensorRole::weight, formats::e4m3};
  op.c = {"conv1.out", TensorRole::activation, formats::fp16};
  op.accumulator = formats::fp32;
  return op;
}

std::string read_error(const std::string& text) {
  std::istringstream in(text);
  try {
    read_workload(in, "w.jsonl");
  } catch (const WorkloadError& e) {
    return e.what();
  }
  return "(no error)";
}

const std::string kGood =
    R"({"name":"x","layer":"l","phase":"fwd","M":2,"N":3,"K":4,)"
    R"("A":{"tensor":"a","role":"activation","format":"e4m3"},)"
    R"("B":{"tensor":"b","role":"weight","format":"e4m3"},)"
    R"("C":{"tensor":"c","role":"activation","format":"fp32"}})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("workload JSON lines round-trip every field", "[model][workload]") {
  Workload w;
  w.ops.push_back(sample_op("conv1.fwd", Phase::fwd, "e4m3"));
  w.ops.push_back(sample_op("conv1.bwd_data", Phase::bwd_data, "e5m2"));
  w.ops.push_back(sample_op("conv1.bwd_weight", Phase::bwd_weight, "e4m3_b11_none"));
  w.ops[1].a.role = TensorRole::activation_grad;
  w.ops[2].c.role = TensorRole::weight_grad;
  w.ops[2].accumulator = formats::fp16;
  std::stringstream s;
  write_workload(s, w);
  const Workload back = read_workload(s, "mem");
  CHECK(back == w);
  CHECK(back.macs() == 3 * 12544LL * 64 * 147);
}

TEST_CASE("workload reader skips blank and comment lines, acc defaults to fp32", "[model][workload]") {
  std::istringstream in("# a comment\n\n" + kGood + "\n");
  const Workload w = read_workload(in, "w.jsonl");
  REQUIRE(w.ops.size() == 1);
  CHECK(w.ops[0].accumulator == formats::fp32);
  CHECK(w.ops[0].a.format == formats::e4m3);
}

TEST_CASE("malformed workload lines give one line naming file, line and field", "[model][workload]") {
  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {"", "w.jsonl: no GEMM ops (the file is empty)"},
      {"{\"name\":", "w.jsonl:1: not valid JSON"},
      {"[1,2]", "w.jsonl:1: a line must be one JSON object"},
      {replace(kGood, "\"M\":2", "\"M\":0"), "w.jsonl:1: 'M' must be an integer from 1 to 2^40, got 0"},
      {replace(kGood, "\"N\":3", "\"N\":-3"), "w.jsonl:1: 'N' must be an integer from 1 to 2^40, got -3"},
      {replace(kGood, "\"K\":4", "\"K\":4.5"), "w.jsonl:1: 'K' must be an integer from 1 to 2^40, got 4.5"},
      {replace(kGood, "\"K\":4", "\"K\":\"4\""), "w.jsonl:1: 'K' must be an integer"},
      {replace(kGood, "\"K\":4,", ""), "w.jsonl:1: missing key 'K'"},
      {replace(kGood, "\"phase\":\"fwd\"", "\"phase\":\"back\""), "w.jsonl:1: 'phase': unknown phase 'back'"},
      {replace(kGood, "\"role\":\"weight\"", "\"role\":\"bias\""), "w.jsonl:1: B: 'role': unknown tensor role 'bias'"},
      {replace(kGood, "\"format\":\"fp32\"", "\"format\":\"fp33\""), "w.jsonl:1: C: 'format':"},
      {replace(kGood, "\"layer\":\"l\",", "\"layer\":\"l\",\"Mm\":1,"), "w.jsonl:1: unknown key 'Mm'"},
      {kGood + "\n" + kGood, "w.jsonl:2: duplicate op name 'x'"},
      // nlohmann keeps the last of a repeated key; the reader refuses the line instead.
      {replace(kGood, "\"M\":2,", "\"M\":2,\"M\":5,"), "w.jsonl:1: key 'M' given twice"},
      {replace(kGood, "\"role\":\"weight\"", "\"role\":\"weight\",\"role\":\"weight\""), "w.jsonl:1: key 'role' given twice"},
      {replace(kGood, "\"M\":2", "\"M\":1099511627777"), "w.jsonl:1: 'M' must be an integer from 1 to 2^40, got 1099511627777"},
      {replace(kGood, "\"M\":2", "\"M\":1e300"), "w.jsonl:1: 'M' must be an integer from 1 to 2^40, got 1e+300"},
      {replace(kGood, "\"M\":2", "\"M\":NaN"), "w.jsonl:1: not valid JSON"},
      {replace(replace(kGood, "\"M\":2", "\"M\":1099511627776"), "\"N\":3", "\"N\":1099511627776"),
       "w.jsonl:1: M x N x K must be at most 2^62, got 1099511627776 x 1099511627776 x 4"},
      {"\x89PNG\r\n", "w.jsonl:1: not valid JSON"},
      // Found by tests/fuzz (fuzz_workload): nlohmann throws out_of_range, not parse_error, here.
      {"76e27777m-[", "w.jsonl:1: not valid JSON: number overflow parsing '76e27777'"},
      {replace(kGood, "\"M\":2", "\"M\":1e999"), "w.jsonl:1: not valid JSON: number overflow parsing '1e999'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const std::string got = read_error(c.text);
    CHECK_THAT(got, Catch::StartsWith(c.expected));
    CHECK(got.find('\n') == std::string::npos);
  }
}

TEST_CASE("conv and linear GEMM shapes match the hand derivation", "[model][workload]") {
  // LeNet-5's second conv: batch 128, 6 -> 16 channels, 5x5, 14x14 input, no padding -> 10x10.
  const ConvGeometry g{128, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0};
  CHECK(g.out_height() == 10);
  CHECK(conv_fwd_gemm(g) == GemmShape{128 * 100, 16, 150});
  CHECK(conv_bwd_data_gemm(g) == GemmShape{128 * 100, 150, 16});
  CHECK(conv_bwd_weight_gemm(g) == GemmShape{150, 16, 128 * 100});
  // The three GEMMs of a layer do the same number of MACs.
  const auto macs = [](GemmShape s) { return s.m * s.n * s.k; };
  CHECK(macs(conv_bwd_data_gemm(g)) == macs(conv_fwd_gemm(g)));
  CHECK(macs(conv_bwd_weight_gemm(g)) == macs(conv_fwd_gemm(g)));
  CHECK(linear_fwd_gemm(128, 400, 120) == GemmShape{128, 120, 400});
  CHECK(linear_bwd_data_gemm(128, 400, 120) == GemmShape{128, 400, 120});
  CHECK(linear_bwd_weight_gemm(128, 400, 120) == GemmShape{400, 120, 128});
}

TEST_CASE("workload files are written whole or not at all", "[model][workload]") {
  Workload w;
  w.ops.push_back(sample_op("a", Phase::fwd, "e4m3"));
  const std::string path = "test_workload_roundtrip.jsonl";
  write_workload_file(path, w);
  CHECK(read_workload_file(path) == w);
  CHECK_THROWS_WITH(write_workload_file("/nonexistent-dir/w.jsonl", w),
                    "/nonexistent-dir/w.jsonl: cannot create a file in its directory: No such file or directory");
  CHECK_THROWS_WITH(read_workload_file("/nonexistent-dir/w.jsonl"), "/nonexistent-dir/w.jsonl: cannot open for reading");
  std::remove(path.c_str());
}
