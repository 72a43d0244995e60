// SCALE-Sim topology CSV -> Workload (scalesim_topology.hpp): line splitting, validation with
// one-line errors, and the im2col / Linear lowering of model/conv_gemm_shapes.hpp.
#include "sim/scalesim_topology.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "model/conv_gemm_shapes.hpp"

namespace mpsim::sim {
namespace {

// The workload's limit on M, N, K (model/workload.cpp reads nothing larger).
constexpr std::int64_t kMaxDim = std::int64_t{1} << 40;
// Largest value of one CSV field: far above any real layer, small enough that a product of
// three fields cannot overflow before the 2^40 check.
constexpr std::int64_t kMaxField = std::int64_t{1} << 24;
constexpr std::int64_t kMaxMacs = std::int64_t{1} << 62;

// Column names as SCALE-Sim's header spells them; errors quote these.
constexpr std::array<const char*, 8> kConvColumns = {"Layer name",    "IFMAP Height", "IFMAP Width",
                                                     "Filter Height", "Filter Width", "Channels",
                                                     "Num Filter",    "Strides"};
constexpr std::array<const char*, 4> kGemmColumns = {"Layer", "M", "N", "K"};
constexpr const char* kStrideWidthColumn = "Stride width";

enum class Form : std::uint8_t { conv, gemm };

std::string_view trim(std::string_view s) {
  const auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Fields of one line, trimmed. SCALE-Sim ends every row with a comma and drops the last field
// unconditionally; here one trailing empty field is dropped, so rows with and without the comma
// read the same.
std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  return fields;
}

bool all_empty(const std::vector<std::string_view>& fields) {
  return std::all_of(fields.begin(), fields.end(), [](std::string_view f) { return f.empty(); });
}

std::string join(const auto& names) {
  std::string out;
  for (const char* n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// Reads one file; every error carries "SOURCE:LINE: ".
class TopologyReader {
 public:
  TopologyReader(const std::string& source, const TopologyOptions& options) : source_(source), options_(options) {}

  Workload read(std::istream& in) {
    std::string line;
    while (std::getline(in, line)) {
      ++line_number_;
      const std::vector<std::string_view> fields = split_fields(line);
      if (all_empty(fields)) continue;  // blank lines and SCALE-Sim's ",,,,,,," spacer rows
      if (!form_) {
        read_header(fields);
      } else {
        read_row(fields);
      }
    }
    if (in.bad()) throw TopologyError(source_ + ": read error");
    if (!form_) throw TopologyError(source_ + ": empty file (expected a SCALE-Sim topology header line)");
    if (layers_.empty()) throw TopologyError(source_ + ": no layers after the header");
    return lower_layers();
  }

 private:
  struct Layer {
    std::string name;
    GemmShape fwd, bwd_data, bwd_weight;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw TopologyError(source_ + ":" + std::to_string(line_number_) + ": " + what);
  }
  [[noreturn]] void fail_column(const char* column, const std::string& what) const {
    fail(std::string("column '") + column + "': " + what);
  }

  void read_header(const std::vector<std::string_view>& fields) {
    const auto column = [&](std::size_t i) { return i < fields.size() ? lower(fields[i]) : std::string(); };
    if (column(1) == "ifmap height") {
      form_ = Form::conv;
      has_stride_width_ = column(8) == lower(kStrideWidthColumn);
    } else if (column(1) == "m" && column(2) == "n" && column(3) == "k") {
      form_ = Form::gemm;
    } else {
      fail("not a SCALE-Sim topology header (conv form: '" + join(kConvColumns) + ",'; GEMM form: '" +
           join(kGemmColumns) + ",')");
    }
  }

  std::int64_t integer(std::string_view text, const char* column) const {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1 || value > kMaxField) {
      fail_column(column, "'" + std::string(text) + "' is not an integer from 1 to " + std::to_string(kMaxField));
    }
    return value;
  }

  std::string layer_name(std::string_view text, const char* column) {
    if (text.empty()) fail_column(column, "empty (every row needs a layer name)");
    std::string name(text);
    if (const auto [it, fresh] = first_line_of_.emplace(name, line_number_); !fresh) {
      fail_column(column, "'" + name + "' repeats the layer of line " + std::to_string(it->second) +
                              " (layer names must be unique)");
    }
    return name;
  }

  void require_columns(const std::vector<std::string_view>& fields, const auto& columns) const {
    if (fields.size() < columns.size()) {
      fail("expected " + std::to_string(columns.size()) + " columns (" + join(columns) + "), got " +
           std::to_string(fields.size()));
    }
  }

  // a * b * c, or a failure naming the layer when it exceeds the workload's 2^40.
  std::int64_t dim(const std::string& layer, const char* what, std::int64_t a, std::int64_t b, std::int64_t c) const {
    std::int64_t ab = 0, abc = 0;
    if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc) || abc > kMaxDim) {
      fail("layer '" + layer + "': " + what + " exceeds 2^40 (lower --batch or the layer's size)");
    }
    return abc;
  }

  // Workload::macs() and sim/'s counters are int64: a layer's M x N x K (its three phases share
  // it) and the stream's total stay within 2^62. Each dimension alone may be 2^40, so this is
  // its own check: three 2^24 GEMM columns made macs() overflow (a UBSan report under tests/fuzz).
  void check_macs(const std::string& layer, const GemmShape& s) {
    const std::int64_t phases = options_.training ? 3 : 1;
    std::int64_t mn = 0, mnk = 0;
    if (__builtin_mul_overflow(s.m, s.n, &mn) || __builtin_mul_overflow(mn, s.k, &mnk) ||
        mnk > (kMaxMacs - total_macs_) / phases) {
      fail("layer '" + layer + "': M x N x K brings the workload beyond 2^62 MACs (lower --batch or the layer's size)");
    }
    total_macs_ += mnk * phases;
  }

  void read_row(const std::vector<std::string_view>& fields) {
    if (*form_ == Form::gemm) {
      read_gemm_row(fields);
    } else {
      read_conv_row(fields);
    }
  }

  void read_gemm_row(const std::vector<std::string_view>& fields) {
    require_columns(fields, kGemmColumns);
    std::string name = layer_name(fields[0], kGemmColumns[0]);
    const std::int64_t m = integer(fields[1], kGemmColumns[1]);
    const std::int64_t n = integer(fields[2], kGemmColumns[2]);
    const std::int64_t k = integer(fields[3], kGemmColumns[3]);
    // A Linear layer with x[rows, K] and W[K, N]; the batch scales the rows.
    const std::int64_t rows = dim(name, "M x batch", m, options_.batch, 1);
    check_macs(name, linear_fwd_gemm(rows, k, n));
    layers_.push_back({std::move(name), linear_fwd_gemm(rows, k, n), linear_bwd_data_gemm(rows, k, n),
                       linear_bwd_weight_gemm(rows, k, n)});
  }

  // Output size along one axis under the chosen convention, and the ConvGeometry input size and
  // padding that make model/'s floor formula give it. SCALE-Sim's ceil((H - F + S) / S) equals
  // floor((H + S - 1 - F) / S) + 1: the last window may hang S - 1 pixels over the edge.
  struct Axis {
    std::int64_t input, pad;
  };
  Axis axis(std::int64_t input, std::int64_t filter, std::int64_t stride, const char* input_column,
            const char* filter_column) const {
    Axis a{input, 0};
    if (options_.conv_output == ConvOutput::scalesim) a.input = input + stride - 1;
    if (options_.conv_output == ConvOutput::same) a.pad = filter / 2;
    const bool fits = options_.conv_output == ConvOutput::same ? input + 2 * a.pad >= filter : input >= filter;
    if (!fits) {
      fail_column(filter_column, std::to_string(filter) + " is larger than " + input_column + " " +
                                     std::to_string(input) + " (the filter must fit the input under --conv-output " +
                                     conv_output_name(options_.conv_output) + ")");
    }
    return a;
  }

  void read_conv_row(const std::vector<std::string_view>& fields) {
    require_columns(fields, kConvColumns);
    std::string name = layer_name(fields[0], kConvColumns[0]);
    std::array<std::int64_t, 8> v{};
    for (std::size_t i = 1; i < kConvColumns.size(); ++i) v[i] = integer(fields[i], kConvColumns[i]);
    const std::int64_t stride_w =
        has_stride_width_ && fields.size() > 8 && !fields[8].empty() ? integer(fields[8], kStrideWidthColumn) : v[7];
    const Axis h = axis(v[1], v[3], v[7], kConvColumns[1], kConvColumns[3]);
    const Axis w = axis(v[2], v[4], stride_w, kConvColumns[2], kConvColumns[4]);
    const ConvGeometry g{.batch = options_.batch,
                         .in_channels = v[5],
                         .height = h.input,
                         .width = w.input,
                         .filters = v[6],
                         .kernel_h = v[3],
                         .kernel_w = v[4],
                         .stride_h = v[7],
                         .stride_w = stride_w,
                         .pad_h = h.pad,
                         .pad_w = w.pad};
    // Checked before model/'s unchecked products can overflow.
    dim(name, "M (batch x output positions)", g.batch, g.out_height(), g.out_width());
    dim(name, "K (channels x filter size)", g.in_channels, g.kernel_h, g.kernel_w);
    check_macs(name, conv_fwd_gemm(g));
    layers_.push_back({std::move(name), conv_fwd_gemm(g), conv_bwd_data_gemm(g), conv_bwd_weight_gemm(g)});
  }

  // Tensor names and roles per phase (workload.hpp's table): "<layer>.in" is the layer's input
  // (im2col columns for a conv), "<layer>.out" its output, ".grad" a gradient.
  GemmOp make_op(const Layer& layer, Phase phase) const {
    const OperandFormats& f = options_.formats;
    GemmOp op;
    op.layer = layer.name;
    op.phase = phase;
    op.name = layer.name + "." + phase_name(phase);
    op.accumulator = f.accumulator;
    GemmShape s;
    switch (phase) {
      case Phase::fwd:
        s = layer.fwd;
        op.a = {layer.name + ".in", TensorRole::activation, f.a};
        op.b = {layer.name + ".weight", TensorRole::weight, f.b};
        op.c = {layer.name + ".out", TensorRole::activation, f.c};
        break;
      case Phase::bwd_data:
        s = layer.bwd_data;
        op.a = {layer.name + ".out.grad", TensorRole::activation_grad, f.a};
        op.b = {layer.name + ".weight", TensorRole::weight, f.b};
        op.c = {layer.name + ".in.grad", TensorRole::activation_grad, f.c};
        break;
      case Phase::bwd_weight:
        s = layer.bwd_weight;
        op.a = {layer.name + ".in", TensorRole::activation, f.a};
        op.b = {layer.name + ".out.grad", TensorRole::activation_grad, f.b};
        op.c = {layer.name + ".weight.grad", TensorRole::weight_grad, f.c};
        break;
    }
    op.m = s.m;
    op.n = s.n;
    op.k = s.k;
    return op;
  }

  Workload lower_layers() const {
    Workload w;
    for (const Layer& layer : layers_) w.ops.push_back(make_op(layer, Phase::fwd));
    if (options_.training) {
      for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
        w.ops.push_back(make_op(*it, Phase::bwd_data));
        w.ops.push_back(make_op(*it, Phase::bwd_weight));
      }
    }
    return w;
  }

  const std::string& source_;
  const TopologyOptions& options_;
  int line_number_ = 0;
  std::optional<Form> form_;
  bool has_stride_width_ = false;
  std::vector<Layer> layers_;
  std::map<std::string, int> first_line_of_;
  std::int64_t total_macs_ = 0;
};

}  // namespace

const char* conv_output_name(ConvOutput c) {
  switch (c) {
    case ConvOutput::scalesim: return "scalesim";
    case ConvOutput::valid: return "valid";
    case ConvOutput::same: return "same";
  }
  return "?";
}

Workload read_scalesim_topology(std::istream& in, const std::string& source, const TopologyOptions& options) {
  if (options.batch < 1 || options.batch > kMaxBatch) {
    throw std::invalid_argument("batch must be from 1 to " + std::to_string(kMaxBatch) + ", got " +
                                std::to_string(options.batch));
  }
  return TopologyReader(source, options).read(in);
}

Workload read_scalesim_topology_file(const std::string& path, const TopologyOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw TopologyError(path + ": is a directory, not a topology file");
  std::ifstream in(path);
  if (!in) throw TopologyError(path + ": cannot open the topology file");
  return read_scalesim_topology(in, path, options);
}

}  // namespace mpsim::sim
