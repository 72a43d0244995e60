// Arguments and per-element arithmetic of training's layer and optimizer kernels (batch norm,
// pooling, the residual add, SGD and Adam), written once (MPSIM_HD) for the CPU loops
// (kernels/cpu/cpu_layers.cpp, cpu_optimizer.cpp) and the CUDA kernels (kernels/cuda/
// cuda_layers.cu, cuda_optimizer.cu), so both backends run the same operations in the same
// order and agree bit for bit (STYLE.md 4; element_ops.hpp holds the older ones). Expressions
// are written exactly as they are to be rounded: both compilers keep a * b + c as two roundings
// (no -mfma on the CPU side, --fmad=false under nvcc).
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/element_ops.hpp"
#include "model/host_device.hpp"

namespace mpsim::kernels {

// --- batch normalisation (Ioffe & Szegedy 2015), x [N, C, H, W] or [N, C] ------------------------
// train: normalise by the batch's mean and biased variance and update the running statistics
// with the unbiased variance (PyTorch's BatchNorm2d); eval: normalise by the running statistics.
struct BatchNormSpec {
  double eps = 1e-5;
  double momentum = 0.1;  // running = (1 - momentum) running + momentum batch
  bool train = true;
};

// Channel c's statistics for forward: mean and 1 / sqrt(var + eps), as fp32 (what the elementwise
// pass and backward use, as cuDNN's saved mean and inverse standard deviation). Training takes
// the batch's moments (channel_moments, element_ops.hpp) and updates the running statistics.
struct ChannelNorm {
  float mean, inv_std;
};
MPSIM_HD inline ChannelNorm batchnorm_train_channel(const BatchNormSpec& s, const ChannelMoments& m, double count,
                                                    float& running_mean, float& running_var) {
  const double unbiased = count > 1 ? m.variance * count / (count - 1) : m.variance;
  running_mean = static_cast<float>((1 - s.momentum) * running_mean + s.momentum * m.mean);
  running_var = static_cast<float>((1 - s.momentum) * running_var + s.momentum * unbiased);
  return {static_cast<float>(m.mean), static_cast<float>(1.0 / std::sqrt(m.variance + s.eps))};
}
MPSIM_HD inline ChannelNorm batchnorm_eval_channel(const BatchNormSpec& s, float running_mean, float running_var) {
  return {running_mean, static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var) + s.eps))};
}

// xhat = (x - mean) inv_std; y = gamma xhat + beta.
MPSIM_HD inline float batchnorm_normalize(float x, float mean, float inv_std) { return (x - mean) * inv_std; }
MPSIM_HD inline float batchnorm_affine(float xhat, float gamma, float beta) { return gamma * xhat + beta; }

// Backward (the same paper, section 3), M = N*H*W elements per channel:
//   dbeta = sum dy, dgamma = sum dy xhat (both in double, in the two-level order of
//   element_ops.hpp: per row, then the rows over o ascending),
//   dx = gamma inv_std / M (M dy - dbeta - xhat dgamma).
struct ChannelGradSums {
  double dy, dy_xhat;
};
MPSIM_HD inline ChannelGradSums batchnorm_row_grad_sums(const float* dy, const float* xhat, const BiasLayout& l,
                                                        std::int64_t o, std::int64_t c) {
  ChannelGradSums s{0, 0};
  for (std::int64_t i = 0; i < l.inner; ++i) {
    const std::int64_t j = l.index(o, c, i);
    s.dy += dy[j];
    s.dy_xhat += static_cast<double>(dy[j]) * xhat[j];
  }
  return s;
}
// rows[c * outer + o] holds row (o, c)'s sums; channel c's, over o ascending.
MPSIM_HD inline ChannelGradSums batchnorm_combine_grad_rows(const ChannelGradSums* rows, std::int64_t outer,
                                                            std::int64_t c) {
  ChannelGradSums s{0, 0};
  for (std::int64_t o = 0; o < outer; ++o) {
    s.dy += rows[c * outer + o].dy;
    s.dy_xhat += rows[c * outer + o].dy_xhat;
  }
  return s;
}
MPSIM_HD inline ChannelGradSums batchnorm_grad_sums(const float* dy, const float* xhat, const BiasLayout& l,
                                                    std::int64_t c) {
  ChannelGradSums s{0, 0};
  for (std::int64_t o = 0; o < l.outer; ++o) {
    const ChannelGradSums r = batchnorm_row_grad_sums(dy, xhat, l, o, c);
    s.dy += r.dy;
    s.dy_xhat += r.dy_xhat;
  }
  return s;
}
MPSIM_HD inline float batchnorm_input_grad(float gamma, float inv_std, double count, const ChannelGradSums& s,
                                           float dy, float xhat) {
  const double k = static_cast<double>(gamma) * inv_std / count;
  return static_cast<float>(k * (count * dy - s.dy - xhat * s.dy_xhat));
}

// --- pooling, x [N, C, H, W] -> y [N, C, OH, OW], no padding ------------------------------------
struct PoolSpec {
  std::int64_t kernel = 2, stride = 2;
};

// The window (row0, col0)'s maximum, in a plane of width w, as its offset a * kernel + b in
// row-major window order: the first maximum, where a NaN beats any number (it propagates, as
// PyTorch's max pool). Forward saves the offsets for backward in an ordinary fp32 tensor (exact:
// kernel^2 < 2^24), so the indices live wherever the backend keeps tensors.
MPSIM_HD inline std::int64_t window_argmax(const float* plane, std::int64_t w, std::int64_t row0, std::int64_t col0,
                                           std::int64_t kernel) {
  std::int64_t best = 0;
  float best_v = plane[row0 * w + col0];
  for (std::int64_t a = 0; a < kernel; ++a)
    for (std::int64_t b = 0; b < kernel; ++b) {
      const float v = plane[(row0 + a) * w + col0 + b];
      if (v > best_v || (v != v && best_v == best_v)) best = a * kernel + b, best_v = v;
    }
  return best;
}

// The flat index in the plane of the element at `offset` in window (row0, col0).
MPSIM_HD constexpr std::int64_t window_source(std::int64_t offset, std::int64_t w, std::int64_t row0,
                                              std::int64_t col0, std::int64_t kernel) {
  return (row0 + offset / kernel) * w + col0 + offset % kernel;
}

// Output rows (or columns) whose window covers input row h: [first, last], empty when first > last.
MPSIM_HD constexpr std::int64_t first_window(std::int64_t h, const PoolSpec& s) {
  return h < s.kernel ? 0 : (h - s.kernel) / s.stride + 1;
}
MPSIM_HD constexpr std::int64_t last_window(std::int64_t h, std::int64_t windows, const PoolSpec& s) {
  return h / s.stride < windows - 1 ? h / s.stride : windows - 1;
}

// Global average pool of one plane of n values: the mean in double, ascending.
MPSIM_HD inline float plane_mean(const float* plane, std::int64_t n) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += plane[i];
  return static_cast<float>(sum / static_cast<double>(n));
}

// --- optimizers ---------------------------------------------------------------------------------
// SGD as PyTorch's torch.optim.SGD: d = g + wd w; buf = m buf + d; d = nesterov ? d + m buf : buf;
// w -= lr d. The gradient is unscaled (times inv_scale) first.
struct SgdSpec {
  float lr = 0, inv_scale = 1, weight_decay = 0, momentum = 0;
  bool nesterov = false;
};
MPSIM_HD inline void sgd_element(const SgdSpec& s, float g, float& w, float& buf) {
  float d = g * s.inv_scale + s.weight_decay * w;
  buf = s.momentum * buf + d;
  d = s.nesterov ? d + s.momentum * buf : buf;
  w -= s.lr * d;
}

// Adam (Kingma & Ba 2015, Algorithm 1); AdamW (Loshchilov & Hutter 2019) decays w directly.
// bias_correction1/2 = 1 - beta^t. Three passes, because the moments and the denominators are
// rounded to the state's format in between (Yun: with eps below fp16's range the denominator
// sqrt(v^) + eps can round to 0; such an element is not updated and is counted).
struct AdamSpec {
  float lr = 0, inv_scale = 1, weight_decay = 0, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float bias_correction1 = 1, bias_correction2 = 1;
  bool decoupled = false;  // AdamW
};
MPSIM_HD inline void adam_moments_element(const AdamSpec& s, float g, float w, float& m, float& v) {
  const float gi = g * s.inv_scale + (s.decoupled ? 0.0f : s.weight_decay * w);
  m = s.beta1 * m + (1 - s.beta1) * gi;
  v = s.beta2 * v + (1 - s.beta2) * gi * gi;
}
MPSIM_HD inline float adam_denominator(const AdamSpec& s, float v) {
  return std::sqrt(v / s.bias_correction2) + s.eps;
}
MPSIM_HD inline void adam_apply_element(const AdamSpec& s, float m, float den, float& w) {
  const float update = (den == 0.0f ? 0.0f : (m / s.bias_correction1) / den) + (s.decoupled ? s.weight_decay * w : 0.0f);
  w -= s.lr * update;
}

}  // namespace mpsim::kernels
