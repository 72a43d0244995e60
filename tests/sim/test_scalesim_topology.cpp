// SCALE-Sim topology import (sim/scalesim_topology.hpp): both forms, the three conv output
// conventions, the training lowering against hand-derived shapes, and one clear line for each
// kind of malformed CSV line.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "sim/scalesim_topology.hpp"

using namespace mpsim;
using namespace mpsim::sim;

namespace {

constexpr const char* kConvHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";

Workload read(const std::string& text, TopologyOptions options = {}) {
  std::istringstream in(text);
  return read_scalesim_topology(in, "t.csv", options);
}

std::string error_of(const std::string& text, TopologyOptions options = {}) {
  try {
    read(text, options);
  } catch (const TopologyError& e) {
    return e.what();
  }
  return "(no error)";
}

// M x K -> N, the notation.
std::string shape(const GemmOp& op) {
  return std::to_string(op.m) + " x " + std::to_string(op.k) + " -> " + std::to_string(op.n);
}

const std::string kTopologies = std::string(MPSIM_SOURCE_DIR) + "/configs/topologies/";

}  // namespace

TEST_CASE("SCALE-Sim conv rows lower to im2col GEMMs with SCALE-Sim's ceil output size", "[sim][topology]") {
  // 7x7, 3->64, stride 2 on the unpadded 224x224 of SCALE-Sim's files:
  // ceil((224 - 7 + 2) / 2) = ceil(109.5) = 110, so M = 110 * 110 = 12100, K = 3 * 7 * 7 = 147.
  // 3x3 stride 2 on 56: ceil((56 - 3 + 2) / 2) = 28 (PyTorch's unpadded floor would give 27).
  // 1x1 stride 1 on 7: 7 * 7 = 49.
  const Workload w = read(std::string(kConvHeader) + "Conv1,224,224,7,7,3,64,2,\nConv3,56,56,3,3,64,128,2,\n"
                                                     "Conv5,7,7,1,1,512,2048,1,\n");
  REQUIRE(w.ops.size() == 3);
  CHECK(shape(w.ops[0]) == "12100 x 147 -> 64");
  CHECK(shape(w.ops[1]) == "784 x 576 -> 128");
  CHECK(shape(w.ops[2]) == "49 x 512 -> 2048");
  CHECK(w.ops[0].name == "Conv1.fwd");
  CHECK(w.ops[0].layer == "Conv1");
  CHECK(w.ops[0].phase == Phase::fwd);
  CHECK(w.ops[0].a == TensorRef{"Conv1.in", TensorRole::activation, formats::fp32});
  CHECK(w.ops[0].b == TensorRef{"Conv1.weight", TensorRole::weight, formats::fp32});
  CHECK(w.ops[0].c == TensorRef{"Conv1.out", TensorRole::activation, formats::fp32});
  CHECK(w.ops[0].accumulator == formats::fp32);
}

TEST_CASE("Conv output conventions: scalesim, valid and same differ only where they should", "[sim][topology]") {
  const std::string rows = std::string(kConvHeader) + "s1,56,56,3,3,64,64,1,\ns2,56,56,3,3,64,128,2,\n"
                                                        "c1,224,224,7,7,3,64,2,\n";
  TopologyOptions scalesim, valid, same;
  valid.conv_output = ConvOutput::valid;
  same.conv_output = ConvOutput::same;
  const Workload a = read(rows, scalesim), b = read(rows, valid), c = read(rows, same);
  // Stride 1: ceil((56 - 3 + 1) / 1) = floor(53 / 1) + 1 = 54 on the unpadded input; same pads 1: 56.
  CHECK(a.ops[0].m == 54 * 54);
  CHECK(b.ops[0].m == 54 * 54);
  CHECK(c.ops[0].m == 56 * 56);
  // Stride 2: ceil(55 / 2) = 28; floor(53 / 2) + 1 = 27; same: floor((56 + 2 - 3) / 2) + 1 = 28.
  CHECK(a.ops[1].m == 28 * 28);
  CHECK(b.ops[1].m == 27 * 27);
  CHECK(c.ops[1].m == 28 * 28);
  // torchvision's ResNet conv1 (pad 3): floor((224 + 6 - 7) / 2) + 1 = 112; unpadded valid: 109.
  CHECK(a.ops[2].m == 110 * 110);
  CHECK(b.ops[2].m == 109 * 109);
  CHECK(c.ops[2].m == 112 * 112);
  CHECK(std::string(conv_output_name(ConvOutput::valid)) == "valid");
}

TEST_CASE("Training lowering equals the hand-derived backward shapes", "[sim][topology]") {
  // The example: 7x7, 3->64, stride 2 on 224x224 padded by 3 (written 230x230 in the
  // file, as SCALE-Sim users write padded inputs), valid convention: OH = floor(223 / 2) + 1 =
  // 112, M = 112 * 112 = 12544, patch = 3 * 7 * 7 = 147.
  TopologyOptions options;
  options.training = true;
  options.conv_output = ConvOutput::valid;
  const Workload w = read(std::string(kConvHeader) + "conv1,230,230,7,7,3,64,2,\nconv2,112,112,1,1,64,32,1,\n",
                          options);
  REQUIRE(w.ops.size() == 6);
  // Forward in file order, then backward from the last layer to the first.
  CHECK(w.ops[0].name == "conv1.fwd");
  CHECK(w.ops[1].name == "conv2.fwd");
  CHECK(w.ops[2].name == "conv2.bwd_data");
  CHECK(w.ops[3].name == "conv2.bwd_weight");
  CHECK(w.ops[4].name == "conv1.bwd_data");
  CHECK(w.ops[5].name == "conv1.bwd_weight");
  CHECK(shape(w.ops[0]) == "12544 x 147 -> 64");
  CHECK(shape(w.ops[4]) == "12544 x 64 -> 147");
  CHECK(shape(w.ops[5]) == "147 x 12544 -> 64");
  // conv2 (1x1, 64 -> 32 on 112x112): bwd_data 12544 x 32 -> 64, bwd_weight 64 x 12544 -> 32.
  CHECK(shape(w.ops[2]) == "12544 x 32 -> 64");
  CHECK(shape(w.ops[3]) == "64 x 12544 -> 32");
  CHECK(w.ops[4].phase == Phase::bwd_data);
  CHECK(w.ops[4].a == TensorRef{"conv1.out.grad", TensorRole::activation_grad, formats::fp32});
  CHECK(w.ops[4].b == TensorRef{"conv1.weight", TensorRole::weight, formats::fp32});
  CHECK(w.ops[4].c == TensorRef{"conv1.in.grad", TensorRole::activation_grad, formats::fp32});
  CHECK(w.ops[5].phase == Phase::bwd_weight);
  CHECK(w.ops[5].a == TensorRef{"conv1.in", TensorRole::activation, formats::fp32});
  CHECK(w.ops[5].b == TensorRef{"conv1.out.grad", TensorRole::activation_grad, formats::fp32});
  CHECK(w.ops[5].c == TensorRef{"conv1.weight.grad", TensorRole::weight_grad, formats::fp32});
  // The same conv as torchvision writes it (224x224, padding 3) through the `same` convention.
  options.conv_output = ConvOutput::same;
  const Workload s = read(std::string(kConvHeader) + "conv1,224,224,7,7,3,64,2,\n", options);
  REQUIRE(s.ops.size() == 3);
  CHECK(shape(s.ops[1]) == "12544 x 64 -> 147");
  CHECK(shape(s.ops[2]) == "147 x 12544 -> 64");
}

TEST_CASE("Batch multiplies the output positions, and operand formats are applied by position", "[sim][topology]") {
  TopologyOptions options;
  options.training = true;
  options.batch = 32;
  options.formats = {formats::e4m3, formats::e5m2, formats::fp16, formats::fp16};
  const Workload w = read(std::string(kConvHeader) + "c,9,9,3,3,4,8,1,\n", options);
  REQUIRE(w.ops.size() == 3);
  // 7 x 7 positions per image, 32 images; patch 4 * 3 * 3 = 36.
  CHECK(shape(w.ops[0]) == "1568 x 36 -> 8");
  CHECK(shape(w.ops[1]) == "1568 x 8 -> 36");
  CHECK(shape(w.ops[2]) == "36 x 1568 -> 8");
  for (const GemmOp& op : w.ops) {
    CHECK(op.a.format == formats::e4m3);
    CHECK(op.b.format == formats::e5m2);
    CHECK(op.c.format == formats::fp16);
    CHECK(op.accumulator == formats::fp16);
  }
  TopologyOptions bad;
  bad.batch = 0;
  std::istringstream in(std::string(kConvHeader) + "c,9,9,3,3,4,8,1,\n");
  CHECK_THROWS_AS(read_scalesim_topology(in, "t.csv", bad), std::invalid_argument);
}

TEST_CASE("SCALE-Sim GEMM rows are Linear layers x[M, K] W[K, N]", "[sim][topology]") {
  TopologyOptions options;
  options.training = true;
  options.batch = 2;
  // SCALE-Sim's own test_mnk_input.csv line, spaces and all.
  const Workload w = read("Layer Name, M, N, K,\nTest 1, 256, 128, 512,\n", options);
  REQUIRE(w.ops.size() == 3);
  // fwd: (2 * 256) x 512 -> 128; bwd_data: dy[512, 128] W^T -> dx[512, 512];
  // bwd_weight: x^T[512, 512] dy[512, 128] -> dW[512, 128].
  CHECK(w.ops[0].name == "Test 1.fwd");
  CHECK(shape(w.ops[0]) == "512 x 512 -> 128");
  CHECK(shape(w.ops[1]) == "512 x 128 -> 512");
  CHECK(shape(w.ops[2]) == "512 x 512 -> 128");
  CHECK(w.ops[2].phase == Phase::bwd_weight);
}

TEST_CASE("Real SCALE-Sim file quirks read as SCALE-Sim reads them", "[sim][topology]") {
  // No trailing comma, CRLF, a spacer row of commas, annotation columns after Strides (as in
  // SCALE-Sim's Resnet50.csv), blank lines.
  const Workload w = read(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,,,Eh,Ew,e2\r\n"
      ",,,,,,,,,,,,\r\n"
      "Conv1,224,224,7,7,3,64,2,,,110,110,12100\r\n"
      "\r\n"
      "CB2a_1,56,56,1,1,64,64,1\r\n");
  REQUIRE(w.ops.size() == 2);
  CHECK(shape(w.ops[0]) == "12100 x 147 -> 64");
  CHECK(shape(w.ops[1]) == "3136 x 64 -> 64");
  // SCALE-Sim's write_topo_file header has separate stride height and width.
  const Workload s = read(
      "Layer name,IFMAP height,IFMAP width,Filter height,Filter width,Channels,Num filter,Stride height,Stride width,\n"
      "c,9,17,3,3,1,1,1,2,\n");
  // Rows: 9 - 3 + 1 = 7; columns: ceil((17 - 3 + 2) / 2) = 8.
  CHECK(s.ops[0].m == 7 * 8);
  // Space-padded columns (SCALE-Sim's alexnet.csv): 11x11 stride 4 on 224: ceil(217 / 4) = 55.
  const Workload alex = read(std::string(kConvHeader) +
                             "Conv1     ,224         ,224        ,11           ,11          ,3       ,96        ,4      ,\n");
  CHECK(shape(alex.ops[0]) == "3025 x 363 -> 96");
  // The GEMM form without spaces or trailing commas (SCALE-Sim's gpt2.csv).
  const Workload gpt = read("Layer,M,N,K\nQKT,1024,1024,64\nQKTV,1024,64,1024\n");
  REQUIRE(gpt.ops.size() == 2);
  CHECK(shape(gpt.ops[1]) == "1024 x 1024 -> 64");
}

TEST_CASE("The shipped ResNet topologies read", "[sim][topology]") {
  TopologyOptions same;
  same.conv_output = ConvOutput::same;
  const Workload r18 = read_scalesim_topology_file(kTopologies + "resnet18.csv", same);
  // 17 3x3/7x7 convs, 3 projection shortcuts, the FC layer as a 1x1 conv.
  REQUIRE(r18.ops.size() == 21);
  // Padded as torchvision pads, the sum is torchvision resnet18's 1,814,073,344 MACs
  // (conv1 118,013,952 + ... + fc 512,000; the commonly quoted "1.8 GMACs").
  CHECK(r18.macs() == 1814073344);
  CHECK(shape(r18.ops.back()) == "1 x 512 -> 1000");
  const Workload r50 = read_scalesim_topology_file(kTopologies + "resnet50.csv", {});
  CHECK(r50.ops.size() == 54);  // 49 convs on the main path, 4 shortcuts, FC6
  TopologyOptions training;
  training.training = true;
  CHECK(read_scalesim_topology_file(kTopologies + "resnet50.csv", training).ops.size() == 3 * 54);
  CHECK(read_scalesim_topology_file(kTopologies + "tiny_gemm.csv", {}).ops.size() == 2);
  CHECK(read_scalesim_topology_file(kTopologies + "tiny_conv.csv", {}).ops.size() == 3);
}

TEST_CASE("Each malformed topology line gives one clear line with file, line and column", "[sim][topology]") {
  const std::string h = kConvHeader;
  struct Case {
    std::string text, message;
  };
  const Case cases[] = {
      {"", "t.csv: empty file (expected a SCALE-Sim topology header line)"},
      {h, "t.csv: no layers after the header"},
      {"Name, Height, Width,\nc,1,1,\n",
       "t.csv:1: not a SCALE-Sim topology header (conv form: 'Layer name, IFMAP Height, IFMAP Width, Filter Height, "
       "Filter Width, Channels, Num Filter, Strides,'; GEMM form: 'Layer, M, N, K,')"},
      {h + "c,16,16,3,3,3,8,\n",
       "t.csv:2: expected 8 columns (Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
       "Num Filter, Strides), got 7"},
      {h + "c,16,abc,3,3,3,8,1,\n", "t.csv:2: column 'IFMAP Width': 'abc' is not an integer from 1 to 16777216"},
      {h + "c,16,16,3,3,3,8,0,\n", "t.csv:2: column 'Strides': '0' is not an integer from 1 to 16777216"},
      {h + "c,16,16,3,3,-3,8,1,\n", "t.csv:2: column 'Channels': '-3' is not an integer from 1 to 16777216"},
      {h + "c,16,16,2.5,3,3,8,1,\n", "t.csv:2: column 'Filter Height': '2.5' is not an integer from 1 to 16777216"},
      {h + "c,16,16,3,3,3,,1,\n", "t.csv:2: column 'Num Filter': '' is not an integer from 1 to 16777216"},
      {h + "c,16,16,3,3,3,99999999,1,\n",
       "t.csv:2: column 'Num Filter': '99999999' is not an integer from 1 to 16777216"},
      {h + "\n\nc,5,5,7,3,3,8,1,\n",
       "t.csv:4: column 'Filter Height': 7 is larger than IFMAP Height 5 (the filter must fit the input under "
       "--conv-output scalesim)"},
      {h + "c,5,5,3,6,3,8,1,\n",
       "t.csv:2: column 'Filter Width': 6 is larger than IFMAP Width 5 (the filter must fit the input under "
       "--conv-output scalesim)"},
      {h + ",16,16,3,3,3,8,1,\n", "t.csv:2: column 'Layer name': empty (every row needs a layer name)"},
      {h + "c,16,16,3,3,3,8,1,\nd,8,8,1,1,8,8,1,\nc,8,8,1,1,8,8,1,\n",
       "t.csv:4: column 'Layer name': 'c' repeats the layer of line 2 (layer names must be unique)"},
      {h + "big,16777216,16777216,1,1,1,1,1,\n",
       "t.csv:2: layer 'big': M (batch x output positions) exceeds 2^40 (lower --batch or the layer's size)"},
      {"Layer, M, N, K,\ng, 4, 4,\n", "t.csv:2: expected 4 columns (Layer, M, N, K), got 3"},
      {"Layer, M, N, K,\ng, 4, x, 4,\n", "t.csv:2: column 'N': 'x' is not an integer from 1 to 16777216"},
      // Each dimension within 2^40, their product not within int64 (Workload::macs()).
      {"Layer, M, N, K,\ng, 16777216, 16777216, 16777216,\n",
       "t.csv:2: layer 'g': M x N x K brings the workload beyond 2^62 MACs (lower --batch or the layer's size)"},
      {"Layer, M, N, K,\ng, 16777216, 16777216, 4096,\nh, 16777216, 16777216, 16384,\n",
       "t.csv:3: layer 'h': M x N x K brings the workload beyond 2^62 MACs (lower --batch or the layer's size)"},
  };
  for (const Case& c : cases) {
    INFO("input: " << c.text);
    CHECK(error_of(c.text) == c.message);
  }
  CHECK_THROWS_WITH(read_scalesim_topology_file("/nonexistent/t.csv", {}),
                    "/nonexistent/t.csv: cannot open the topology file");
  CHECK_THROWS_WITH(read_scalesim_topology_file(kTopologies, {}), kTopologies + ": is a directory, not a topology file");
}
