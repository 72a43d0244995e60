// col2im written once for both backends as a gather: each input element sums the column entries
// copied from it, in ascending (kh, kw), so CPU and GPU add in the same order and agree bit for
// bit whatever the thread count (a scatter with atomics would not).
#pragma once

#include <cstdint>

#include "kernels/ops.hpp"
#include "model/host_device.hpp"

namespace mpsim::kernels {

// The gradient of input element `index` (NCHW flat index) from columns [N*OH*OW, C*KH*KW].
MPSIM_HD inline float col2im_gather(const ConvShape& s, const float* columns, std::int64_t index) {
  const std::int64_t w = index % s.width, h = (index / s.width) % s.height;
  const std::int64_t c = (index / (s.width * s.height)) % s.channels, n = index / (s.width * s.height * s.channels);
  const std::int64_t oh_count = s.out_height(), ow_count = s.out_width(), cols = s.column_cols();
  float sum = 0.0f;
  for (std::int64_t kh = 0; kh < s.kernel_h; ++kh) {
    const std::int64_t ih = h + s.pad_h - kh * s.dilation_h;  // = oh * stride_h when this tap hits
    if (ih < 0 || ih % s.stride_h != 0 || ih / s.stride_h >= oh_count) continue;
    for (std::int64_t kw = 0; kw < s.kernel_w; ++kw) {
      const std::int64_t iw = w + s.pad_w - kw * s.dilation_w;
      if (iw < 0 || iw % s.stride_w != 0 || iw / s.stride_w >= ow_count) continue;
      const std::int64_t row = (n * oh_count + ih / s.stride_h) * ow_count + iw / s.stride_w;
      const std::int64_t col = (c * s.kernel_h + kh) * s.kernel_w + kw;
      sum += columns[row * cols + col];
    }
  }
  return sum;
}

}  // namespace mpsim::kernels
