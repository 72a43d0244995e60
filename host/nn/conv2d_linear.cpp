// Conv2d (im2col + GEMM) and Linear: the layers whose GEMMs the accelerator runs. Shapes follow
// kernels/ops.hpp (ConvShape) and model/conv_gemm_shapes.hpp:
//   forward          rows [N*P, K]        = columns [N*P, CKK] x W^T       (W [K, CKK])
//   backward-weight  dW [K, CKK]          = drows^T [K, N*P] x columns
//   backward-data    dcolumns [N*P, CKK]  = drows [N*P, K] x W, then col2im to dx [N, C, H, W]
// (the Workload writes backward-weight transposed, M = CKK, N = K: the same products).
#include "host/nn/buffers.hpp"
#include "host/nn/layers.hpp"

namespace mpsim::host::nn {

// The GEMM gives one row per output position, rows [N, P, K]; the next layer reads channels
// first, NCHW [N, K, P]: a batched transpose each way (Backend::transpose).
void conv2d_forward(PrecisionContext& ctx, Conv2d& l, std::vector<Param>& params, TensorId x_id, const Tensor& x,
                    Tensor& y) {
  kernels::Backend& be = ctx.backend();
  l.shape = kernels::ConvShape{x.dim(0), x.dim(1), x.dim(2), x.dim(3), l.kernel, l.kernel, l.stride, l.stride,
                               l.pad, l.pad, 1, 1};
  l.x_id = x_id;
  const std::int64_t n = x.dim(0), p = l.shape.out_height() * l.shape.out_width();
  ensure_shape(be, l.columns, {l.shape.column_rows(), l.shape.column_cols()}, "columns");
  ensure_shape(be, l.rows, {l.shape.column_rows(), l.out_channels}, "rows");
  be.im2col(l.shape, x, l.columns);
  const Param& w = params[static_cast<std::size_t>(l.weight)];
  ctx.gemm({false, true, false}, x_id, l.columns, w.weight_id, w.weight, l.rows);
  be.transpose(l.rows, y, n, p, l.out_channels);
  if (l.bias >= 0) be.bias_add(y, params[static_cast<std::size_t>(l.bias)].weight);
}

void conv2d_backward(PrecisionContext& ctx, Conv2d& l, std::vector<Param>& params, TensorId dy_id, const Tensor& dy,
                     Tensor* dx) {
  kernels::Backend& be = ctx.backend();
  const std::int64_t n = l.shape.batch, p = l.shape.out_height() * l.shape.out_width();
  ensure_shape(be, l.drows, {l.shape.column_rows(), l.out_channels}, "drows");
  be.transpose(dy, l.drows, n, l.out_channels, p);
  Param& w = params[static_cast<std::size_t>(l.weight)];
  ctx.gemm({true, false, false}, dy_id, l.drows, l.x_id, l.columns, w.grad);  // dW = drows^T columns
  ctx.store(w.grad_id, w.grad);
  if (l.bias >= 0) {
    Param& b = params[static_cast<std::size_t>(l.bias)];
    be.bias_grad(dy, b.grad);
    ctx.store(b.grad_id, b.grad);
  }
  if (dx == nullptr) return;
  ensure_shape(be, l.dcolumns, {l.shape.column_rows(), l.shape.column_cols()}, "dcolumns");
  ctx.gemm({false, false, false}, dy_id, l.drows, w.weight_id, w.weight, l.dcolumns);  // drows W
  be.col2im(l.shape, l.dcolumns, *dx);
}

void linear_forward(PrecisionContext& ctx, Linear& l, std::vector<Param>& params, TensorId x_id, const Tensor& x,
                    Tensor& y) {
  const Param& w = params[static_cast<std::size_t>(l.weight)];
  ctx.gemm({false, true, false}, x_id, x, w.weight_id, w.weight, y);  // y [N, F_out] = x W^T
  if (l.bias >= 0) ctx.backend().bias_add(y, params[static_cast<std::size_t>(l.bias)].weight);
}

void linear_backward(PrecisionContext& ctx, Linear& l, std::vector<Param>& params, TensorId x_id, const Tensor& x,
                     TensorId dy_id, const Tensor& dy, Tensor* dx) {
  Param& w = params[static_cast<std::size_t>(l.weight)];
  ctx.gemm({true, false, false}, dy_id, dy, x_id, x, w.grad);  // dW [F_out, F_in] = dy^T x
  ctx.store(w.grad_id, w.grad);
  if (l.bias >= 0) {
    Param& b = params[static_cast<std::size_t>(l.bias)];
    ctx.backend().bias_grad(dy, b.grad);
    ctx.store(b.grad_id, b.grad);
  }
  if (dx != nullptr) ctx.gemm({false, false, false}, dy_id, dy, w.weight_id, w.weight, *dx);  // dx = dy W
}

}  // namespace mpsim::host::nn
