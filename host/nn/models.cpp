#include "host/nn/models.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace mpsim::host::nn {
namespace {

std::int64_t scaled(std::int64_t channels, double width) {
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(channels) * width));
}

// Two hidden layers of 256 (x width).
Network mlp(double width, const std::vector<std::int64_t>& in, int classes) {
  Network net(in, classes);
  int x = net.flatten("flatten", 0);
  x = net.relu("relu1", net.linear("fc1", x, scaled(256, width)));
  x = net.relu("relu2", net.linear("fc2", x, scaled(256, width)));
  net.linear("fc3", x, classes);
  return net;
}

// LeCun et al. 1998 as usually trained today: 5x5 convs (the first padded, so 28x28 inputs
// give the classic 32x32 geometry), ReLU and 2x2 max pooling, 120-84-classes.
Network lenet5(double width, const std::vector<std::int64_t>& in, int classes) {
  Network net(in, classes);
  int x = net.conv("conv1", 0, scaled(6, width), 5, 1, 2, true);
  x = net.maxpool("pool1", net.relu("relu1", x), 2, 2);
  x = net.conv("conv2", x, scaled(16, width), 5, 1, 0, true);
  x = net.maxpool("pool2", net.relu("relu2", x), 2, 2);
  x = net.flatten("flatten", x);
  x = net.relu("relu3", net.linear("fc1", x, scaled(120, width)));
  x = net.relu("relu4", net.linear("fc2", x, scaled(84, width)));
  net.linear("fc3", x, classes);
  return net;
}

// He et al. 2016's CIFAR ResNet: 3x3 conv (16), three stages of n basic blocks with 16, 32, 64
// channels (stride 2 at the start of stages 2 and 3), global average pooling, linear. The
// shortcut where the shape changes is a 1x1 conv + BN (their option B; option A's zero padding
// has no GEMM, and B is what most reimplementations use).
Network resnet(int blocks_per_stage, double width, const std::vector<std::int64_t>& in, int classes) {
  Network net(in, classes);
  int x = net.conv("conv1", 0, scaled(16, width), 3, 1, 1, false);
  x = net.relu("relu1", net.batchnorm("bn1", x));
  const std::int64_t widths[3] = {16, 32, 64};
  for (int stage = 0; stage < 3; ++stage) {
    const std::int64_t c = scaled(widths[stage], width);
    for (int b = 0; b < blocks_per_stage; ++b) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(b) + ".";
      const std::int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
      int y = net.conv(p + "conv1", x, c, 3, stride, 1, false);
      y = net.relu(p + "relu1", net.batchnorm(p + "bn1", y));
      y = net.batchnorm(p + "bn2", net.conv(p + "conv2", y, c, 3, 1, 1, false));
      int shortcut = x;
      if (stride != 1 || net.shape_of(x)[0] != c)
        shortcut = net.batchnorm(p + "shortcut.bn", net.conv(p + "shortcut.conv", x, c, 1, stride, 0, false));
      x = net.relu(p + "relu2", net.add(p + "add", y, shortcut));
    }
  }
  x = net.avgpool("avgpool", x);
  net.linear("fc", x, classes);
  return net;
}

// Two VGG stages (conv-BN-ReLU x2, 2x2 max pool) of 32 and 64 channels, global average
// pooling, linear.
Network vgg(double width, const std::vector<std::int64_t>& in, int classes) {
  Network net(in, classes);
  int x = 0;
  const std::int64_t widths[2] = {32, 64};
  for (int stage = 0; stage < 2; ++stage) {
    for (int i = 0; i < 2; ++i) {
      const std::string p = "conv" + std::to_string(stage + 1) + "_" + std::to_string(i + 1);
      x = net.conv(p, x, scaled(widths[stage], width), 3, 1, 1, false);
      x = net.relu(p + ".relu", net.batchnorm(p + ".bn", x));
    }
    x = net.maxpool("pool" + std::to_string(stage + 1), x, 2, 2);
  }
  x = net.avgpool("avgpool", x);
  net.linear("fc", x, classes);
  return net;
}

}  // namespace

Network make_model(const std::string& name, double width, const std::vector<std::int64_t>& input_shape, int classes) {
  if (name == "mlp") return mlp(width, input_shape, classes);
  if (name == "lenet5") return lenet5(width, input_shape, classes);
  if (name == "resnet8") return resnet(1, width, input_shape, classes);
  if (name == "resnet20") return resnet(3, width, input_shape, classes);
  if (name == "vgg") return vgg(width, input_shape, classes);
  throw std::invalid_argument("unknown model '" + name + "'");
}

}  // namespace mpsim::host::nn
