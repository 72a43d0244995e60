#include "host/nn/network.hpp"

#include <cmath>
#include <numbers>
#include <optional>
#include <stdexcept>

#include "host/nn/buffers.hpp"
#include "model/philox.hpp"

namespace mpsim::host::nn {
namespace {

std::vector<std::int64_t> with_batch(std::int64_t n, const std::vector<std::int64_t>& sample) {
  std::vector<std::int64_t> s{n};
  s.insert(s.end(), sample.begin(), sample.end());
  return s;
}

std::int64_t product(const std::vector<std::int64_t>& s) {
  std::int64_t p = 1;
  for (auto d : s) p *= d;
  return p;
}

// N(0, 1) from Philox (model/philox.hpp) by Box-Muller: element e of stream s uses words 2e and
// 2e+1, so the init is the same on every platform and thread count.
double normal(std::uint64_t seed, std::uint64_t stream, std::uint64_t e) {
  const double u1 = (static_cast<double>(random_bits(seed, stream, 2 * e)) + 1.0) / 4294967296.0;  // (0, 1]
  const double u2 = static_cast<double>(random_bits(seed, stream, 2 * e + 1)) / 4294967296.0;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// Uniform in [-bound, bound) from word e of stream s (the 2^32 grid of Philox's 32 bits).
double uniform(double bound, std::uint64_t seed, std::uint64_t stream, std::uint64_t e) {
  return bound * (2.0 * static_cast<double>(random_bits(seed, stream, e)) / 4294967296.0 - 1.0);
}

// A parameter element's first value; nullopt keeps the constant (Param::init_value).
//   he:    weights N(0, 2/fan_in) (He et al. 2015, eq. 10), biases 0;
//   torch: PyTorch's default for nn.Conv2d and nn.Linear, weights kaiming_uniform_(a=sqrt(5)),
//          i.e. U(-b, b) with b = gain * sqrt(3/fan_in), gain = sqrt(2/(1+a^2)) = sqrt(1/3),
//          so b = 1/sqrt(fan_in); biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
// BatchNorm's gamma 1 and beta 0 are the same in both.
std::optional<double> initial_value(InitScheme scheme, const Param& p, std::uint64_t seed, std::uint64_t stream,
                                    std::uint64_t e) {
  if (p.init == ParamInit::constant) return std::nullopt;
  const double fan_in = static_cast<double>(p.fan_in);
  if (scheme == InitScheme::he) {
    if (p.init == ParamInit::bias) return std::nullopt;
    return std::sqrt(2.0 / fan_in) * normal(seed, stream, e);
  }
  return uniform(1.0 / std::sqrt(fan_in), seed, stream, e);
}

}  // namespace

const std::vector<std::pair<std::string, InitScheme>>& init_scheme_names() {
  static const std::vector<std::pair<std::string, InitScheme>> names{{"he", InitScheme::he},
                                                                     {"torch", InitScheme::torch}};
  return names;
}

Network::Network(std::vector<std::int64_t> input_shape, int classes) : classes_(classes) {
  add_node("input", LayerKind::input, {}, Input{}, std::move(input_shape));
}

int Network::add_node(const std::string& name, LayerKind kind, std::vector<int> inputs, Layer layer,
                      std::vector<std::int64_t> sample_shape) {
  Node n;
  n.name = name;
  n.kind = kind;
  n.inputs = std::move(inputs);
  n.layer = std::move(layer);
  n.sample_shape = std::move(sample_shape);
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

int Network::add_param(const std::string& name, std::vector<std::int64_t> shape, ParamInit init, std::int64_t fan_in,
                       float init_value) {
  Param p;
  p.name = name;
  p.shape = std::move(shape);
  p.init = init;
  p.fan_in = fan_in;
  p.init_value = init_value;
  params_.push_back(std::move(p));
  param_node_.push_back(static_cast<int>(nodes_.size()));  // the node about to be added
  return static_cast<int>(params_.size()) - 1;
}

int Network::conv(const std::string& name, int x, std::int64_t out_channels, std::int64_t kernel, std::int64_t stride,
                  std::int64_t pad, bool bias) {
  const auto& in = shape_of(x);
  if (in.size() != 3) throw std::invalid_argument(name + ": conv needs a [C, H, W] input");
  Conv2d l;
  l.in_channels = in[0];
  l.out_channels = out_channels;
  l.kernel = kernel;
  l.stride = stride;
  l.pad = pad;
  const std::int64_t fan_in = in[0] * kernel * kernel;
  // Drawn in build() by the scheme (initial_value): `he`'s N(0, 2 / fan_in) keeps the variance
  // of ReLU activations constant (He et al. 2015).
  l.weight = add_param(name + ".weight", {out_channels, fan_in}, ParamInit::weight, fan_in);
  if (bias) l.bias = add_param(name + ".bias", {out_channels}, ParamInit::bias, fan_in);
  const std::int64_t oh = (in[1] + 2 * pad - kernel) / stride + 1, ow = (in[2] + 2 * pad - kernel) / stride + 1;
  if (oh < 1 || ow < 1) throw std::invalid_argument(name + ": input too small for the kernel");
  return add_node(name, LayerKind::conv, {x}, l, {out_channels, oh, ow});
}

int Network::linear(const std::string& name, int x, std::int64_t out_features, bool bias) {
  const auto& in = shape_of(x);
  if (in.size() != 1) throw std::invalid_argument(name + ": linear needs a flat [F] input");
  Linear l;
  l.in_features = in[0];
  l.out_features = out_features;
  l.weight = add_param(name + ".weight", {out_features, in[0]}, ParamInit::weight, in[0]);
  if (bias) l.bias = add_param(name + ".bias", {out_features}, ParamInit::bias, in[0]);
  return add_node(name, LayerKind::linear, {x}, l, {out_features});
}

int Network::batchnorm(const std::string& name, int x) {
  BatchNorm2d l;
  l.channels = shape_of(x).at(0);
  l.gamma = add_param(name + ".weight", {l.channels}, ParamInit::constant, 0, 1.0f);
  l.beta = add_param(name + ".bias", {l.channels}, ParamInit::constant, 0, 0.0f);
  return add_node(name, LayerKind::batchnorm, {x}, l, shape_of(x));
}

int Network::relu(const std::string& name, int x) { return add_node(name, LayerKind::relu, {x}, ReLU{}, shape_of(x)); }

int Network::maxpool(const std::string& name, int x, std::int64_t kernel, std::int64_t stride) {
  const auto in = shape_of(x);
  MaxPool2d l;
  l.kernel = kernel;
  l.stride = stride;
  return add_node(name, LayerKind::maxpool, {x}, l,
                  {in[0], (in[1] - kernel) / stride + 1, (in[2] - kernel) / stride + 1});
}

int Network::avgpool(const std::string& name, int x) {
  return add_node(name, LayerKind::avgpool, {x}, AvgPool{}, {shape_of(x).at(0)});
}

int Network::flatten(const std::string& name, int x) {
  return add_node(name, LayerKind::flatten, {x}, Flatten{}, {product(shape_of(x))});
}

int Network::add(const std::string& name, int a, int b) {
  if (shape_of(a) != shape_of(b)) throw std::invalid_argument(name + ": residual add of different shapes");
  return add_node(name, LayerKind::add, {a, b}, Add{}, shape_of(a));
}

void Network::build(PrecisionContext& ctx, std::int64_t batch, std::uint64_t seed, InitScheme scheme) {
  TensorRegistry& reg = ctx.registry();
  kernels::Backend& be = ctx.backend();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    std::vector<LayerId> producers;
    for (int p : n.inputs) producers.push_back(nodes_[static_cast<std::size_t>(p)].layer_id);
    n.layer_id = reg.add_layer(n.name, n.kind, producers);
    // θ, master and dθ of this layer's parameters.
    for (std::size_t pi = 0; pi < params_.size(); ++pi) {
      if (param_node_[pi] != static_cast<int>(i)) continue;
      Param& p = params_[pi];
      const std::int64_t numel = product(p.shape);
      p.layer = n.layer_id;
      p.weight_id = reg.add_tensor(p.name, n.layer_id, TensorRole::weight, numel);
      p.master_id = reg.add_tensor(p.name + ".master", n.layer_id, TensorRole::master_weight, numel);
      p.grad_id = reg.add_tensor(p.name + ".grad", n.layer_id, TensorRole::weight_grad, numel);
    }
    const std::int64_t numel = batch * product(n.sample_shape);
    n.out_id = reg.add_tensor(n.name + ".out", n.layer_id, TensorRole::activation, numel);
    if (n.kind != LayerKind::input) n.dout_id = reg.add_tensor(n.name + ".dout", n.layer_id, TensorRole::activation_grad, numel);
  }
  loss_layer_ = reg.add_layer("loss", LayerKind::softmax_ce, {nodes_.back().layer_id});
  loss_scale_id_ = reg.add_tensor("loss.scale", loss_layer_, TensorRole::loss_scale, 1);

  for (std::size_t pi = 0; pi < params_.size(); ++pi) {
    Param& p = params_[pi];
    const std::int64_t numel = product(p.shape);
    std::vector<float> init(static_cast<std::size_t>(numel), p.init_value);
    for (std::int64_t e = 0; e < numel; ++e)
      if (const auto v = initial_value(scheme, p, seed, pi + 1, static_cast<std::uint64_t>(e)))
        init[static_cast<std::size_t>(e)] = static_cast<float>(*v);
    p.master = be.from_host(p.shape, init, formats::fp32, p.name + ".master");
    p.weight = be.from_host(p.shape, init, formats::fp32, p.name);
    p.grad = be.zeros(p.shape, formats::fp32, p.name + ".grad");
  }
  for (Node& n : nodes_)
    if (auto* bn = std::get_if<BatchNorm2d>(&n.layer)) {
      bn->running_mean = be.zeros({bn->channels}, formats::fp32, n.name + ".running_mean");
      bn->running_var = be.empty({bn->channels}, formats::fp32, n.name + ".running_var");
      be.fill(bn->running_var, 1.0f);
    }
  ctx.use_fp32();
}

void Network::prepare(PrecisionContext& ctx, std::int64_t n) {
  if (n == batch_) return;
  kernels::Backend& be = ctx.backend();
  for (Node& node : nodes_) {
    const auto shape = with_batch(n, node.sample_shape);
    ensure_shape(be, node.out, shape, node.name + ".out");
    if (node.kind != LayerKind::input) ensure_shape(be, node.dout, shape, node.name + ".dout");
  }
  ensure_shape(be, dlogits_, {n, classes_}, "dlogits");
  batch_ = n;
}

void Network::refresh_weights(PrecisionContext& ctx) {
  for (Param& p : params_) ctx.store(p.weight_id, p.master, p.weight);
}

void Network::forward_node(PrecisionContext& ctx, Node& node, bool train) {
  Node& x = nodes_[static_cast<std::size_t>(node.inputs.at(0))];
  std::visit(
      [&](auto& l) {
        using L = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<L, Conv2d>) conv2d_forward(ctx, l, params_, x.out_id, x.out, node.out);
        else if constexpr (std::is_same_v<L, Linear>) linear_forward(ctx, l, params_, x.out_id, x.out, node.out);
        else if constexpr (std::is_same_v<L, BatchNorm2d>) batchnorm_forward(ctx, l, params_, x.out, node.out, train);
        else if constexpr (std::is_same_v<L, ReLU>) relu_forward(ctx, x.out, node.out);
        else if constexpr (std::is_same_v<L, MaxPool2d>) maxpool_forward(ctx, l, x.out, node.out);
        else if constexpr (std::is_same_v<L, AvgPool>) avgpool_forward(ctx, x.out, node.out);
        else if constexpr (std::is_same_v<L, Flatten>) copy_values(ctx, x.out, node.out);
        else if constexpr (std::is_same_v<L, Add>)
          add_forward(ctx, x.out, nodes_[static_cast<std::size_t>(node.inputs[1])].out, node.out);
      },
      node.layer);
}

const Tensor& Network::forward(PrecisionContext& ctx, const std::vector<float>& images, std::int64_t n, bool train) {
  prepare(ctx, n);
  Node& input = nodes_.front();
  if (static_cast<std::int64_t>(images.size()) < input.out.numel())
    throw std::invalid_argument("forward: fewer image values than the batch needs");
  ctx.backend().copy_from_host(input.out, images.data());
  ctx.store(input.out_id, input.out);
  for (std::size_t i = 1; i < nodes_.size(); ++i) {
    forward_node(ctx, nodes_[i], train);
    ctx.store(nodes_[i].out_id, nodes_[i].out);  // v = Q(layer output)
  }
  return nodes_.back().out;
}

// Where producer's gradient goes: its dout if nothing wrote it yet this step, else the scratch
// buffer that is added to it afterwards; nullptr for the input (no gradient needed).
Tensor* Network::gradient_target(PrecisionContext& ctx, int producer) {
  Node& p = nodes_[static_cast<std::size_t>(producer)];
  if (p.kind == LayerKind::input) return nullptr;
  if (!p.dout_ready) return &p.dout;
  ensure_shape(ctx.backend(), p.scratch, p.dout.shape(), p.name + ".dout_part");
  return &p.scratch;
}

void Network::backward_node(PrecisionContext& ctx, Node& node) {
  const int x_index = node.inputs.at(0);
  Node& x = nodes_[static_cast<std::size_t>(x_index)];
  Tensor* dx = gradient_target(ctx, x_index);
  std::visit(
      [&](auto& l) {
        using L = std::decay_t<decltype(l)>;
        if constexpr (std::is_same_v<L, Conv2d>) conv2d_backward(ctx, l, params_, node.dout_id, node.dout, dx);
        else if constexpr (std::is_same_v<L, Linear>)
          linear_backward(ctx, l, params_, x.out_id, x.out, node.dout_id, node.dout, dx);
        else if constexpr (std::is_same_v<L, BatchNorm2d>) batchnorm_backward(ctx, l, params_, node.dout, dx);
        else if constexpr (std::is_same_v<L, ReLU>) relu_backward(ctx, node.out, node.dout, dx);
        else if constexpr (std::is_same_v<L, MaxPool2d>) maxpool_backward(ctx, l, node.dout, dx);
        else if constexpr (std::is_same_v<L, AvgPool>) avgpool_backward(ctx, node.dout, dx);
        else if constexpr (std::is_same_v<L, Flatten> || std::is_same_v<L, Add>) {
          if (dx) copy_values(ctx, node.dout, *dx);
        }
      },
      node.layer);
  if (dx == &x.scratch) accumulate(ctx, x.scratch, x.dout);
  if (dx) x.dout_ready = true;
  if (node.kind == LayerKind::add) {  // the second operand gets the same gradient
    const int b_index = node.inputs.at(1);
    Node& b = nodes_[static_cast<std::size_t>(b_index)];
    if (Tensor* db = gradient_target(ctx, b_index)) {
      copy_values(ctx, node.dout, *db);
      if (db == &b.scratch) accumulate(ctx, b.scratch, b.dout);
      b.dout_ready = true;
    }
  }
}

void Network::backward(PrecisionContext& ctx) {
  for (Node& n : nodes_) n.dout_ready = false;
  nodes_.back().dout_ready = true;  // written by loss()
  for (std::size_t i = nodes_.size() - 1; i >= 1; --i) {
    Node& n = nodes_[i];
    if (!n.dout_ready) throw std::logic_error(n.name + ": no gradient reached this layer");
    ctx.store(n.dout_id, n.dout);  // dv = Q(complete output gradient), while loss-scaled
    backward_node(ctx, n);
  }
}

double Network::loss(PrecisionContext& ctx, const std::vector<std::int32_t>& labels, double loss_scale, bool backward_pass) {
  const Tensor& logits = nodes_.back().out;
  const double value = ctx.backend().softmax_cross_entropy(logits, labels, dlogits_);
  if (!backward_pass) return value;
  // The loss is multiplied by the scale before backward (Micikevicius et al. 2018), so every
  // gradient is rounded while scaled; a power-of-two scale keeps this exact.
  ctx.backend().scale(dlogits_, static_cast<float>(loss_scale), nodes_.back().dout);
  backward(ctx);
  return value;
}

void Network::backward_from(PrecisionContext& ctx, const std::vector<float>& dlogits) {
  Tensor& out = nodes_.back().dout;
  if (static_cast<std::int64_t>(dlogits.size()) != out.numel()) throw std::invalid_argument("backward_from: wrong size");
  ctx.backend().copy_from_host(out, dlogits.data());
  backward(ctx);
}

std::int64_t Network::correct(PrecisionContext& ctx, const std::vector<std::int32_t>& labels) const {
  const Tensor& logits = nodes_.back().out;
  const std::int64_t n = logits.dim(0), k = logits.dim(1);
  const std::vector<float> values = ctx.backend().to_host(logits);  // a few values per image
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = values.data() + i * k;
    std::int64_t best = 0;
    for (std::int64_t c = 1; c < k; ++c)
      if (row[c] > row[best]) best = c;
    hits += best == labels[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  return hits;
}

}  // namespace mpsim::host::nn
