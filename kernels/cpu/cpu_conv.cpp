// im2col / col2im on the CPU (layouts in kernels/ops.hpp, ConvShape).
//
// Both walk the column rows in order with incremental indices instead of calling
// ConvShape::source_index / col2im_gather per element (whose divisions made these the most
// expensive kernels of a LeNet-5 training step). They produce the same bits as those
// definitions, which tests/kernels check:
//   im2col copies values, so any loop order gives the same columns;
//   col2im adds, so the order matters: col2im_gather sums each input element's terms from 0 in
//   ascending (kh, kw). The term (kh, kw) of input (h, w) sits in row (oh, ow) with
//   oh * stride = h + pad - kh * dilation, so ascending kh is *descending* oh (and ascending kw,
//   for one kh, descending ow). Scattering the rows of one image in descending (oh, ow) order
//   therefore adds every element's terms in exactly the gather's order, while reading the
//   columns sequentially and writing into one image's gradient (which stays in cache).
#include <omp.h>

#include "kernels/cpu/cpu_backend.hpp"

namespace mpsim::kernels {
void CpuBackend::im2col(const ConvShape& s, const Tensor& input, Tensor& columns) {
  check_conv("im2col", s, input, columns);
  const std::int64_t oh_count = s.out_height(), ow_count = s.out_width(), cols = s.column_cols();
  const float* x = input.data();
  float* out = columns.data();
  // One output row per (n, oh, ow); its columns run (c, kh, kw) as in source_index.
#pragma omp parallel for collapse(2) num_threads(threads_) schedule(static)
  for (std::int64_t n = 0; n < s.batch; ++n) {
    for (std::int64_t oh = 0; oh < oh_count; ++oh) {
      for (std::int64_t ow = 0; ow < ow_count; ++ow) {
        float* row = out + ((n * oh_count + oh) * ow_count + ow) * cols;
        const std::int64_t w0 = ow * s.stride_w - s.pad_w;
        // Interior positions need no per-tap bounds check on w.
        const bool inside_w = w0 >= 0 && w0 + (s.kernel_w - 1) * s.dilation_w < s.width;
        for (std::int64_t c = 0; c < s.channels; ++c) {
          const float* plane = x + (n * s.channels + c) * s.height * s.width;
          for (std::int64_t kh = 0; kh < s.kernel_h; ++kh) {
            const std::int64_t h = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
            float* dst = row + (c * s.kernel_h + kh) * s.kernel_w;
            if (h < 0 || h >= s.height) {
              for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) dst[kw] = 0.0f;
              continue;
            }
            const float* src = plane + h * s.width + w0;
            if (inside_w) {
              for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) dst[kw] = src[kw * s.dilation_w];
            } else {
              for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const std::int64_t w = w0 + kw * s.dilation_w;
                dst[kw] = (w < 0 || w >= s.width) ? 0.0f : src[kw * s.dilation_w];
              }
            }
          }
        }
      }
    }
  }
  columns.set_format(input.format());
  traffic_.read("im2col", input);
  traffic_.write("im2col", columns);
}

void CpuBackend::col2im(const ConvShape& s, const Tensor& columns, Tensor& input_grad) {
  check_conv("col2im", s, input_grad, columns);
  const std::int64_t oh_count = s.out_height(), ow_count = s.out_width(), ncols = s.column_cols();
  const std::int64_t image = s.channels * s.height * s.width;
  const float* cols = columns.data();
  float* out = input_grad.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (std::int64_t n = 0; n < s.batch; ++n) {
    float* grad = out + n * image;
    for (std::int64_t i = 0; i < image; ++i) grad[i] = 0.0f;
    for (std::int64_t oh = oh_count - 1; oh >= 0; --oh) {
      for (std::int64_t ow = ow_count - 1; ow >= 0; --ow) {
        const float* row = cols + ((n * oh_count + oh) * ow_count + ow) * ncols;
        const std::int64_t w0 = ow * s.stride_w - s.pad_w;
        const bool inside_w = w0 >= 0 && w0 + (s.kernel_w - 1) * s.dilation_w < s.width;
        for (std::int64_t c = 0; c < s.channels; ++c) {
          for (std::int64_t kh = 0; kh < s.kernel_h; ++kh) {
            const std::int64_t h = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
            if (h < 0 || h >= s.height) continue;
            float* dst = grad + (c * s.height + h) * s.width + w0;
            const float* src = row + (c * s.kernel_h + kh) * s.kernel_w;
            if (inside_w) {
              for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) dst[kw * s.dilation_w] += src[kw];
            } else {
              for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const std::int64_t w = w0 + kw * s.dilation_w;
                if (w >= 0 && w < s.width) dst[kw * s.dilation_w] += src[kw];
              }
            }
          }
        }
      }
    }
  }
  traffic_.read("col2im", columns);
  traffic_.write("col2im", input_grad);
}

}  // namespace mpsim::kernels
