// BatchNorm2d, ReLU, MaxPool2d, global AvgPool, residual add: the layers without GEMMs. Loops
// run over independent outputs (OpenMP) and every reduction sums in one fixed order in double,
// so results do not depend on the thread count.
#include <omp.h>

#include <cmath>
#include <limits>

#include "host/nn/buffers.hpp"
#include "host/nn/layers.hpp"

namespace mpsim::host::nn {
namespace {
// x [N, C, H, W] or [N, C] as (outer N, channels C, inner H*W).
kernels::BiasLayout channel_layout(const Tensor& x) {
  std::int64_t inner = 1;
  for (int d = 2; d < x.rank(); ++d) inner *= x.dim(d);
  return {x.dim(0), x.dim(1), inner};
}
}  // namespace

// Forward (Ioffe & Szegedy 2015, Algorithm 1): xhat = (x - mu) / sqrt(var + eps), y = gamma xhat
// + beta. Training uses the batch's biased variance and updates the running variance with the
// unbiased one, as PyTorch does.
void batchnorm_forward(BatchNorm2d& l, std::vector<Param>& params, const Tensor& x, Tensor& y, bool train) {
  const kernels::BiasLayout lay = channel_layout(x);
  const float* in = x.data();
  float* out = y.data();
  const float* gamma = params[static_cast<std::size_t>(l.gamma)].weight.data();
  const float* beta = params[static_cast<std::size_t>(l.beta)].weight.data();
  const auto channels = static_cast<std::size_t>(lay.channels);
  std::vector<double> mean(channels), inv_std(channels);
  if (train) {
    const double count = static_cast<double>(lay.count_per_channel());
#pragma omp parallel for schedule(static)
    for (std::int64_t c = 0; c < lay.channels; ++c) {
      const kernels::ChannelMoments m = kernels::channel_moments(in, lay, c);
      const auto ci = static_cast<std::size_t>(c);
      mean[ci] = m.mean;
      inv_std[ci] = 1.0 / std::sqrt(m.variance + l.eps);
      const double unbiased = count > 1 ? m.variance * count / (count - 1) : m.variance;
      l.running_mean[ci] = static_cast<float>((1 - l.momentum) * l.running_mean[ci] + l.momentum * m.mean);
      l.running_var[ci] = static_cast<float>((1 - l.momentum) * l.running_var[ci] + l.momentum * unbiased);
    }
    l.xhat.resize(static_cast<std::size_t>(x.numel()));
  } else {
    for (std::size_t c = 0; c < channels; ++c) {
      mean[c] = l.running_mean[c];
      inv_std[c] = 1.0 / std::sqrt(static_cast<double>(l.running_var[c]) + l.eps);
    }
  }
  l.inv_std = inv_std;
  float* xhat = train ? l.xhat.data() : nullptr;
#pragma omp parallel for collapse(2) schedule(static)
  for (std::int64_t o = 0; o < lay.outer; ++o)
    for (std::int64_t c = 0; c < lay.channels; ++c) {
      const auto ci = static_cast<std::size_t>(c);
      const float mu = static_cast<float>(mean[ci]), is = static_cast<float>(inv_std[ci]);
      for (std::int64_t i = 0; i < lay.inner; ++i) {
        const std::int64_t j = lay.index(o, c, i);
        const float h = (in[j] - mu) * is;
        if (xhat) xhat[j] = h;
        out[j] = gamma[c] * h + beta[c];
      }
    }
}

// Backward (the same paper, section 3): with M = N*H*W elements per channel,
//   dbeta = sum dy, dgamma = sum dy xhat, dx = gamma inv_std / M (M dy - dbeta - xhat dgamma).
void batchnorm_backward(PrecisionContext& ctx, BatchNorm2d& l, std::vector<Param>& params, const Tensor& dy,
                        Tensor* dx) {
  const kernels::BiasLayout lay = channel_layout(dy);
  const float* g = dy.data();
  Param& gp = params[static_cast<std::size_t>(l.gamma)];
  Param& bp = params[static_cast<std::size_t>(l.beta)];
  const float* xhat = l.xhat.data();
  const double m = static_cast<double>(lay.count_per_channel());
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < lay.channels; ++c) {
    double sum_dy = 0, sum_dy_xhat = 0;
    for (std::int64_t o = 0; o < lay.outer; ++o)
      for (std::int64_t i = 0; i < lay.inner; ++i) {
        const std::int64_t j = lay.index(o, c, i);
        sum_dy += g[j];
        sum_dy_xhat += static_cast<double>(g[j]) * xhat[j];
      }
    gp.grad.data()[c] = static_cast<float>(sum_dy_xhat);
    bp.grad.data()[c] = static_cast<float>(sum_dy);
    if (dx == nullptr) continue;
    const double k = gp.weight.data()[c] * l.inv_std[static_cast<std::size_t>(c)] / m;
    float* out = dx->data();
    for (std::int64_t o = 0; o < lay.outer; ++o)
      for (std::int64_t i = 0; i < lay.inner; ++i) {
        const std::int64_t j = lay.index(o, c, i);
        out[j] = static_cast<float>(k * (m * g[j] - sum_dy - xhat[j] * sum_dy_xhat));
      }
  }
  ctx.store(gp.grad_id, gp.grad);
  ctx.store(bp.grad_id, bp.grad);
}

void relu_forward(PrecisionContext& ctx, const Tensor& x, Tensor& y) { ctx.backend().relu_forward(x, y); }

void relu_backward(PrecisionContext& ctx, const Tensor& y, const Tensor& dy, Tensor* dx) {
  if (dx) ctx.backend().relu_backward(y, dy, *dx);
}

void maxpool_forward(MaxPool2d& l, const Tensor& x, Tensor& y) {
  const std::int64_t planes = x.dim(0) * x.dim(1), h = x.dim(2), w = x.dim(3);
  const std::int64_t oh = y.dim(2), ow = y.dim(3);
  l.argmax.resize(static_cast<std::size_t>(y.numel()));
  const float* in = x.data();
  float* out = y.data();
  if (l.kernel == 2 && l.stride == 2) {
    // The common 2x2/2 window unrolled (the general loop's branches cost 5% of a LeNet-5 step);
    // same rule: first maximum in (a, b) order, NaN wins.
#pragma omp parallel for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          const std::int64_t s0 = (pl * h + 2 * i) * w + 2 * j;
          const std::int64_t src[4] = {s0, s0 + 1, s0 + w, s0 + w + 1};
          std::int64_t best = src[0];
          for (int k = 1; k < 4; ++k)
            if (in[src[k]] > in[best] || (in[src[k]] != in[src[k]] && in[best] == in[best])) best = src[k];
          const std::int64_t dst = (pl * oh + i) * ow + j;
          out[dst] = in[best];
          l.argmax[static_cast<std::size_t>(dst)] = best;
        }
    return;
  }
#pragma omp parallel for schedule(static)
  for (std::int64_t pl = 0; pl < planes; ++pl)
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j) {
        std::int64_t best = -1;
        float best_v = -std::numeric_limits<float>::infinity();
        for (std::int64_t a = 0; a < l.kernel; ++a)
          for (std::int64_t b = 0; b < l.kernel; ++b) {
            const std::int64_t src = (pl * h + i * l.stride + a) * w + j * l.stride + b;
            if (best < 0 || in[src] > best_v || (in[src] != in[src] && best_v == best_v)) best = src, best_v = in[src];
          }
        const std::int64_t dst = (pl * oh + i) * ow + j;
        out[dst] = best_v;
        l.argmax[static_cast<std::size_t>(dst)] = best;
      }
}

void maxpool_backward(const MaxPool2d& l, const Tensor& dy, Tensor* dx) {
  if (dx == nullptr) return;
  const std::int64_t planes = dy.dim(0) * dy.dim(1), per_out = dy.dim(2) * dy.dim(3);
  const std::int64_t per_in = dx->numel() / planes;
  const float* g = dy.data();
  float* out = dx->data();
#pragma omp parallel for schedule(static)
  for (std::int64_t pl = 0; pl < planes; ++pl) {
    std::fill(out + pl * per_in, out + (pl + 1) * per_in, 0.0f);
    for (std::int64_t k = pl * per_out; k < (pl + 1) * per_out; ++k) out[l.argmax[static_cast<std::size_t>(k)]] += g[k];
  }
}

void avgpool_forward(const Tensor& x, Tensor& y) {
  const std::int64_t planes = x.dim(0) * x.dim(1), hw = x.dim(2) * x.dim(3);
  const float* in = x.data();
  float* out = y.data();
#pragma omp parallel for schedule(static)
  for (std::int64_t pl = 0; pl < planes; ++pl) {
    double s = 0;
    for (std::int64_t i = 0; i < hw; ++i) s += in[pl * hw + i];
    out[pl] = static_cast<float>(s / static_cast<double>(hw));
  }
}

void avgpool_backward(const Tensor& dy, Tensor* dx) {
  if (dx == nullptr) return;
  const std::int64_t planes = dy.numel(), hw = dx->numel() / planes;
  const float* g = dy.data();
  float* out = dx->data();
  const float inv = 1.0f / static_cast<float>(hw);
#pragma omp parallel for schedule(static)
  for (std::int64_t pl = 0; pl < planes; ++pl)
    for (std::int64_t i = 0; i < hw; ++i) out[pl * hw + i] = g[pl] * inv;
}

void add_forward(const Tensor& a, const Tensor& b, Tensor& y) {
  const float *pa = a.data(), *pb = b.data();
  float* out = y.data();
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < y.numel(); ++i) out[i] = pa[i] + pb[i];
}

void accumulate(const Tensor& src, Tensor& dx) {
  const float* s = src.data();
  float* out = dx.data();
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < dx.numel(); ++i) out[i] += s[i];
}

void copy_values(const Tensor& src, Tensor& dst) {
  std::copy(src.data(), src.data() + src.numel(), dst.data());
}

}  // namespace mpsim::host::nn
