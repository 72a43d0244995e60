#include "kernels/traffic.hpp"

namespace mpsim::kernels {

void TrafficLog::add(const char* kernel, const Tensor& t, std::int64_t bytes_read, std::int64_t bytes_written) {
  records_.push_back({kernel, t.name(), t.id(), bytes_read, bytes_written});
}

void TrafficLog::record(const char* kernel, std::initializer_list<const Tensor*> reads,
                        std::initializer_list<const Tensor*> writes) {
  for (const Tensor* t : reads)
    if (t) read(kernel, *t);
  for (const Tensor* t : writes)
    if (t) write(kernel, *t);
}

void TrafficLog::transfer_to_device(std::int64_t bytes) {
  transfers_.host_to_device_bytes += bytes;
  ++transfers_.host_to_device_calls;
}

void TrafficLog::transfer_to_host(std::int64_t bytes) {
  transfers_.device_to_host_bytes += bytes;
  ++transfers_.device_to_host_calls;
}

std::int64_t TrafficLog::total_read() const {
  std::int64_t sum = 0;
  for (const TrafficRecord& r : records_) sum += r.bytes_read;
  return sum;
}

std::int64_t TrafficLog::total_written() const {
  std::int64_t sum = 0;
  for (const TrafficRecord& r : records_) sum += r.bytes_written;
  return sum;
}

std::map<std::string, std::int64_t> TrafficLog::bytes_by_tensor() const {
  std::map<std::string, std::int64_t> bytes;
  for (const TrafficRecord& r : records_) bytes[r.tensor] += r.bytes_read + r.bytes_written;
  return bytes;
}

void TrafficLog::clear() {
  records_.clear();
  transfers_ = {};
}

}  // namespace mpsim::kernels
