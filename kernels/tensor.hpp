// Tensor: a dense, row-major block of fp32 values that lives where its backend put it (host or
// device memory), with a storage format.
//
// Values are held as fp32 because every simulated format's values are exact in fp32 (formats
// with the fp32 fast path, model/quantize_fast.hpp); `format` says which value set the tensor is
// kept in and how many bytes one element costs in memory traffic (an e4m3 tensor moves 1 byte
// per element, fp16 2, fp32 4), which is what the training loop reports per assignment.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "model/float_format.hpp"

namespace mpsim::kernels {

enum class Device : std::uint8_t { cpu, cuda };
const char* device_name(Device d);

// Bytes one element of format f occupies in memory: the bits rounded up to whole bytes.
constexpr std::int64_t storage_bytes(const FloatFormat& f) { return (f.total_bits() + 7) / 8; }

class Tensor {
 public:
  Tensor() = default;
  Tensor(std::vector<std::int64_t> shape, Device device, std::shared_ptr<float> storage, FloatFormat format,
         std::string name, std::uint32_t id);

  float* data() { return storage_.get(); }
  const float* data() const { return storage_.get(); }
  const std::vector<std::int64_t>& shape() const { return shape_; }
  std::int64_t dim(int i) const { return shape_.at(static_cast<std::size_t>(i < 0 ? i + rank() : i)); }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t numel() const { return numel_; }
  Device device() const { return device_; }
  const FloatFormat& format() const { return format_; }
  void set_format(const FloatFormat& f) { format_ = f; }
  const std::string& name() const { return name_; }
  std::uint32_t id() const { return id_; }  // unique per backend; keys stochastic rounding
  std::int64_t bytes() const { return numel_ * storage_bytes(format_); }
  // Same storage, another shape with the same number of elements (throws otherwise).
  Tensor reshaped(std::vector<std::int64_t> shape) const;
  bool empty() const { return !storage_; }

 private:
  std::vector<std::int64_t> shape_;
  std::int64_t numel_ = 0;
  Device device_ = Device::cpu;
  std::shared_ptr<float> storage_;
  FloatFormat format_;
  std::string name_;
  std::uint32_t id_ = 0;
};

std::int64_t numel_of(const std::vector<std::int64_t>& shape);
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace mpsim::kernels
