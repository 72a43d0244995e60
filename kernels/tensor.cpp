#include "kernels/tensor.hpp"

#include <stdexcept>

namespace mpsim::kernels {

const char* device_name(Device d) { return d == Device::cpu ? "cpu" : "cuda"; }

std::int64_t numel_of(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative tensor dimension in " + shape_text(shape));
    n *= d;
  }
  return n;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

Tensor::Tensor(std::vector<std::int64_t> shape, Device device, std::shared_ptr<float> storage, FloatFormat format,
               std::string name, std::uint32_t id)
    : shape_(std::move(shape)),
      numel_(numel_of(shape_)),
      device_(device),
      storage_(std::move(storage)),
      format_(format),
      name_(std::move(name)),
      id_(id) {}

Tensor Tensor::reshaped(std::vector<std::int64_t> shape) const {
  if (numel_of(shape) != numel_)
    throw std::invalid_argument("cannot reshape " + name_ + " " + shape_text(shape_) + " to " + shape_text(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

}  // namespace mpsim::kernels
