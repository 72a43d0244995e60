// BatchNorm2d, ReLU, MaxPool2d, global AvgPool, residual add: the layers without GEMMs. Each is
// one or two Backend calls (kernels/layer_ops.hpp has the arithmetic), so they run where the
// tensors live, on the CPU or the GPU.
#include "host/nn/buffers.hpp"
#include "host/nn/layers.hpp"

namespace mpsim::host::nn {

// Forward (Ioffe & Szegedy 2015, Algorithm 1): xhat = (x - mu) / sqrt(var + eps), y = gamma xhat
// + beta. Training uses the batch's biased variance and updates the running variance with the
// unbiased one, as PyTorch does.
void batchnorm_forward(PrecisionContext& ctx, BatchNorm2d& l, std::vector<Param>& params, const Tensor& x, Tensor& y,
                       bool train) {
  kernels::Backend& be = ctx.backend();
  if (train) ensure_shape(be, l.xhat, x.shape(), "xhat");
  ensure_shape(be, l.mean, {l.channels}, "bn.mean");
  ensure_shape(be, l.inv_std, {l.channels}, "bn.inv_std");
  be.batchnorm_forward({l.eps, l.momentum, train}, x, params[static_cast<std::size_t>(l.gamma)].weight,
                       params[static_cast<std::size_t>(l.beta)].weight, l.running_mean, l.running_var, l.mean,
                       l.inv_std, train ? &l.xhat : nullptr, y);
}

// Backward (the same paper, section 3): with M = N*H*W elements per channel,
//   dbeta = sum dy, dgamma = sum dy xhat, dx = gamma inv_std / M (M dy - dbeta - xhat dgamma).
void batchnorm_backward(PrecisionContext& ctx, BatchNorm2d& l, std::vector<Param>& params, const Tensor& dy,
                        Tensor* dx) {
  Param& gp = params[static_cast<std::size_t>(l.gamma)];
  Param& bp = params[static_cast<std::size_t>(l.beta)];
  ctx.backend().batchnorm_backward(dy, l.xhat, gp.weight, l.inv_std, gp.grad, bp.grad, dx);
  ctx.store(gp.grad_id, gp.grad);
  ctx.store(bp.grad_id, bp.grad);
}

void relu_forward(PrecisionContext& ctx, const Tensor& x, Tensor& y) { ctx.backend().relu_forward(x, y); }

void relu_backward(PrecisionContext& ctx, const Tensor& y, const Tensor& dy, Tensor* dx) {
  if (dx) ctx.backend().relu_backward(y, dy, *dx);
}

void maxpool_forward(PrecisionContext& ctx, MaxPool2d& l, const Tensor& x, Tensor& y) {
  ensure_shape(ctx.backend(), l.argmax, y.shape(), "pool.argmax");
  ctx.backend().maxpool_forward({l.kernel, l.stride}, x, y, l.argmax);
}

void maxpool_backward(PrecisionContext& ctx, const MaxPool2d& l, const Tensor& dy, Tensor* dx) {
  if (dx) ctx.backend().maxpool_backward({l.kernel, l.stride}, l.argmax, dy, *dx);
}

void avgpool_forward(PrecisionContext& ctx, const Tensor& x, Tensor& y) { ctx.backend().avgpool_forward(x, y); }

void avgpool_backward(PrecisionContext& ctx, const Tensor& dy, Tensor* dx) {
  if (dx) ctx.backend().avgpool_backward(dy, *dx);
}

void add_forward(PrecisionContext& ctx, const Tensor& a, const Tensor& b, Tensor& y) { ctx.backend().add(a, b, y); }

void accumulate(PrecisionContext& ctx, const Tensor& src, Tensor& dx) { ctx.backend().add(dx, src, dx); }

void copy_values(PrecisionContext& ctx, const Tensor& src, Tensor& dst) { ctx.backend().copy(src, dst); }

}  // namespace mpsim::host::nn
