// Layers with explicit forward and backward (no dynamic graph): each is a plain struct of its
// hyper-parameters, parameters and saved buffers, and a pair of free functions
// `<layer>_forward` / `<layer>_backward`. Dimension letters, used in every shape comment:
//   N batch, C input channels, H W input height and width, K output channels (filters),
//   OH OW output height and width, P = OH*OW output positions, F features (Linear).
// Activations are NCHW (kernels/ops.hpp). Every output is rounded by the caller (Network)
// through PrecisionContext::store, so the functions here only compute; the weight gradients
// are rounded here because they are produced here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/nn/precision_context.hpp"

namespace mpsim::host::nn {

// What a parameter's first values are drawn as; the scheme (InitScheme) says from what.
enum class ParamInit { constant, weight, bias };

// A trainable tensor: the fp32 master copy the optimizer updates, the working copy θ = Q(master)
// the layers read (Lee et al.: weights are rounded into a working copy before each step), its
// gradient dθ and the optimizer's state, each registered with its own role.
struct Param {
  std::string name;                  // "conv1.weight"
  std::vector<std::int64_t> shape;   // e.g. [K, C*KH*KW]
  Tensor master, weight, grad;
  std::vector<Tensor> state;         // momentum; Adam's m and v
  TensorId master_id = -1, weight_id = -1, grad_id = -1;
  std::vector<TensorId> state_ids;
  LayerId layer = -1;                // the registered layer it belongs to
  ParamInit init = ParamInit::constant;  // how Network::build draws its first values
  std::int64_t fan_in = 0;               // inputs per output (weights and biases of conv, linear)
  float init_value = 0.0f;               // ParamInit::constant (BN gamma 1, beta 0)
};

// 2-D convolution by im2col + GEMM (kernels/ops.hpp ConvShape):
//   x [N, C, H, W] -> columns [N*P, C*KH*KW] -> rows [N*P, K] = columns x W^T -> y [N, K, OH, OW]
struct Conv2d {
  std::int64_t in_channels = 1, out_channels = 1, kernel = 3, stride = 1, pad = 0;
  int weight = -1, bias = -1;        // indices into Network::params (bias -1: none)
  kernels::ConvShape shape;          // set for the current batch
  TensorId x_id = -1;                // the registered tensor x (the producer's v) of the last forward
  Tensor columns;                    // [N*P, C*KH*KW], saved for backward-weight
  Tensor rows, drows, dcolumns;      // [N*P, K], [N*P, K], [N*P, C*KH*KW]
};

// y [N, F_out] = x [N, F_in] W^T + b, W [F_out, F_in] (PyTorch's layout).
struct Linear {
  std::int64_t in_features = 1, out_features = 1;
  int weight = -1, bias = -1;
};

// Batch normalisation over N, H, W per channel (Ioffe & Szegedy 2015), x [N, C, H, W] or [N, C]:
//   train: y = gamma (x - mean_B) / sqrt(var_B + eps) + beta, running stats updated;
//   eval:  the running stats instead of the batch's.
// The buffers are backend tensors (Network::build allocates the running statistics).
struct BatchNorm2d {
  std::int64_t channels = 1;
  double eps = 1e-5, momentum = 0.1;  // PyTorch's defaults
  int gamma = -1, beta = -1;
  Tensor running_mean, running_var;   // [C], start at 0 and 1
  Tensor mean, inv_std;               // [C], of the last forward (backward uses inv_std)
  Tensor xhat;                        // x normalised, saved for backward [N, C, H, W]
};

struct ReLU {};

// Max pooling, window `kernel`, stride `stride`, no padding: y [N, C, OH, OW]; argmax [N, C, OH,
// OW] holds where in its window each output's maximum was (first maximum, NaN wins), for backward.
struct MaxPool2d {
  std::int64_t kernel = 2, stride = 2;
  Tensor argmax;
};

// Global average pooling: x [N, C, H, W] -> y [N, C].
struct AvgPool {};
// x [N, C, H, W] -> y [N, C*H*W] (a copy: its v is a tensor of its own in Lee et al.'s count).
struct Flatten {};
// Residual add: y = a + b, same shapes.
struct Add {};
// The network's input, v = the images (rounded like any activation).
struct Input {};

// --- forward / backward -------------------------------------------------------------------------
// x, y, dy, dx as in each struct's comment; dx may be nullptr where no input gradient is needed
// (the first layer). a_id: the registered tensor x holds (for gemm_exact's operand format).
void conv2d_forward(PrecisionContext& ctx, Conv2d& l, std::vector<Param>& params, TensorId x_id, const Tensor& x,
                    Tensor& y);
void conv2d_backward(PrecisionContext& ctx, Conv2d& l, std::vector<Param>& params, TensorId dy_id, const Tensor& dy,
                     Tensor* dx);
void linear_forward(PrecisionContext& ctx, Linear& l, std::vector<Param>& params, TensorId x_id, const Tensor& x,
                    Tensor& y);
void linear_backward(PrecisionContext& ctx, Linear& l, std::vector<Param>& params, TensorId x_id, const Tensor& x,
                     TensorId dy_id, const Tensor& dy, Tensor* dx);
void batchnorm_forward(PrecisionContext& ctx, BatchNorm2d& l, std::vector<Param>& params, const Tensor& x, Tensor& y,
                       bool train);
void batchnorm_backward(PrecisionContext& ctx, BatchNorm2d& l, std::vector<Param>& params, const Tensor& dy,
                        Tensor* dx);
void relu_forward(PrecisionContext& ctx, const Tensor& x, Tensor& y);
void relu_backward(PrecisionContext& ctx, const Tensor& y, const Tensor& dy, Tensor* dx);
void maxpool_forward(PrecisionContext& ctx, MaxPool2d& l, const Tensor& x, Tensor& y);
void maxpool_backward(PrecisionContext& ctx, const MaxPool2d& l, const Tensor& dy, Tensor* dx);
void avgpool_forward(PrecisionContext& ctx, const Tensor& x, Tensor& y);
void avgpool_backward(PrecisionContext& ctx, const Tensor& dy, Tensor* dx);
void add_forward(PrecisionContext& ctx, const Tensor& a, const Tensor& b, Tensor& y);
// dx += src elementwise (gradient of a tensor read by several layers: fixed order, so the sum
// does not depend on threads).
void accumulate(PrecisionContext& ctx, const Tensor& src, Tensor& dx);
void copy_values(PrecisionContext& ctx, const Tensor& src, Tensor& dst);

}  // namespace mpsim::host::nn
