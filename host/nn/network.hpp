// A network as a list of layers in forward order, each reading the outputs of earlier layers
// (a DAG: residual adds read two). Forward runs the list, backward runs it reversed, so a
// layer's output gradient is complete (every consumer has run) when its own backward starts.
//
// Precision (Lee et al., PAPERS.md): every layer's output v is rounded after its forward, every
// output gradient dv once it is complete, every weight gradient dθ where it is produced, and the
// weights' working copy θ = Q(master) before each step; the rounding's backward is the identity
// (straight-through), which is what computing on the rounded values gives.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "host/nn/layers.hpp"
#include "model/workload.hpp"

namespace mpsim::host::nn {

// How conv and linear parameters start (Network::build): `he` (the default; He et al. 2015) or
// `torch` (PyTorch's defaults, for comparing against a PyTorch model of the same network).
enum class InitScheme { he, torch };
// ("he", he), ("torch", torch): the names `model.init` accepts.
const std::vector<std::pair<std::string, InitScheme>>& init_scheme_names();

using Layer = std::variant<Input, Conv2d, Linear, BatchNorm2d, ReLU, MaxPool2d, AvgPool, Flatten, Add>;

struct Node {
  std::string name;                          // "conv1", "layer2.0.bn1"
  LayerKind kind = LayerKind::input;
  std::vector<int> inputs;                   // producer nodes (earlier in the list)
  Layer layer;
  std::vector<std::int64_t> sample_shape;    // output shape of one sample: [C, H, W] or [F]
  Tensor out, dout, scratch;                 // v, dv [N, sample_shape...]; scratch: a second consumer's dv
  TensorId out_id = -1, dout_id = -1;
  LayerId layer_id = -1;
  bool dout_ready = false;                   // a consumer has written dout this step
};

class Network {
 public:
  // input_shape [C, H, W] of one image.
  Network(std::vector<std::int64_t> input_shape, int classes);

  // Builders: each returns the new node's index. He et al.'s init for conv and linear weights.
  int conv(const std::string& name, int x, std::int64_t out_channels, std::int64_t kernel, std::int64_t stride,
           std::int64_t pad, bool bias);
  int linear(const std::string& name, int x, std::int64_t out_features, bool bias = true);
  int batchnorm(const std::string& name, int x);
  int relu(const std::string& name, int x);
  int maxpool(const std::string& name, int x, std::int64_t kernel, std::int64_t stride);
  int avgpool(const std::string& name, int x);
  int flatten(const std::string& name, int x);
  int add(const std::string& name, int a, int b);
  const std::vector<std::int64_t>& shape_of(int node) const { return nodes_.at(static_cast<std::size_t>(node)).sample_shape; }

  // Registers every layer and tensor (θ, master, dθ, v, dv; activation-sized ones at `batch`),
  // the loss layer and the loss scale, and initialises the parameters from `seed` by `scheme`.
  void build(PrecisionContext& ctx, std::int64_t batch, std::uint64_t seed, InitScheme scheme = InitScheme::he);

  // θ = Q(master) for every parameter (before each step and before evaluation).
  void refresh_weights(PrecisionContext& ctx);
  // images [n, C, H, W] -> logits [n, classes] (rounded as the last layer's v).
  const Tensor& forward(PrecisionContext& ctx, const std::vector<float>& images, std::int64_t n, bool train);
  // Mean cross-entropy of the last forward; with backward, dlogits * loss_scale is the last
  // layer's dv and the whole backward runs (weight gradients end in each Param::grad, scaled).
  double loss(PrecisionContext& ctx, const std::vector<std::int32_t>& labels, double loss_scale, bool backward);
  // Backward from a given output gradient dlogits [n, classes] (gradient checks, custom losses).
  void backward_from(PrecisionContext& ctx, const std::vector<float>& dlogits);
  // Correct predictions (argmax of the logits) of the last forward.
  std::int64_t correct(PrecisionContext& ctx, const std::vector<std::int32_t>& labels) const;

  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }
  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  int classes() const { return classes_; }
  TensorId loss_scale_id() const { return loss_scale_id_; }
  LayerId loss_layer_id() const { return loss_layer_; }

  // The GEMMs of one training step at `batch` (fwd, bwd_data, bwd_weight of every conv and
  // linear layer in that order per phase), with each operand's role and assigned format.
  Workload workload(const PrecisionContext& ctx, std::int64_t batch) const;

 private:
  int add_node(const std::string& name, LayerKind kind, std::vector<int> inputs, Layer layer,
               std::vector<std::int64_t> sample_shape);
  int add_param(const std::string& name, std::vector<std::int64_t> shape, ParamInit init, std::int64_t fan_in,
                float init_value = 0.0f);
  void prepare(PrecisionContext& ctx, std::int64_t n);  // buffers for batch n
  void backward(PrecisionContext& ctx);
  void forward_node(PrecisionContext& ctx, Node& node, bool train);
  void backward_node(PrecisionContext& ctx, Node& node);
  Tensor* gradient_target(PrecisionContext& ctx, int producer);

  std::vector<Node> nodes_;
  std::vector<Param> params_;
  std::vector<int> param_node_;  // the node each param belongs to
  int classes_;
  std::int64_t batch_ = 0;       // batch the buffers are sized for
  Tensor dlogits_;
  TensorId loss_scale_id_ = -1;
  LayerId loss_layer_ = -1;
};

}  // namespace mpsim::host::nn
