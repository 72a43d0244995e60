// Traffic accounting: every kernel call records, per tensor, the bytes it reads and writes in
// the tensor's storage format, so training can report the memory traffic of an assignment.
// A kernel that reads a tensor once counts tensor.bytes(); data reuse inside a kernel (GEMM
// tiles re-read from cache) is not traffic at this level: the SystemC model owns on-chip reuse.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "kernels/tensor.hpp"

namespace mpsim::kernels {

struct TrafficRecord {
  std::string kernel;
  std::string tensor;
  std::uint32_t tensor_id = 0;
  std::int64_t bytes_read = 0;
  std::int64_t bytes_written = 0;
};

struct TransferTotals {
  std::int64_t host_to_device_bytes = 0;
  std::int64_t device_to_host_bytes = 0;
  std::int64_t host_to_device_calls = 0;
  std::int64_t device_to_host_calls = 0;
};

class TrafficLog {
 public:
  void read(const char* kernel, const Tensor& t) { add(kernel, t, t.bytes(), 0); }
  void write(const char* kernel, const Tensor& t) { add(kernel, t, 0, t.bytes()); }
  void add(const char* kernel, const Tensor& t, std::int64_t bytes_read, std::int64_t bytes_written);
  // read() for each of `reads`, then write() for each of `writes` (null entries skipped: optional
  // outputs).
  void record(const char* kernel, std::initializer_list<const Tensor*> reads,
              std::initializer_list<const Tensor*> writes);
  void transfer_to_device(std::int64_t bytes);
  void transfer_to_host(std::int64_t bytes);

  const std::vector<TrafficRecord>& records() const { return records_; }
  const TransferTotals& transfers() const { return transfers_; }
  std::int64_t total_read() const;
  std::int64_t total_written() const;
  // Bytes read + written per tensor name, over all records.
  std::map<std::string, std::int64_t> bytes_by_tensor() const;
  void clear();

 private:
  std::vector<TrafficRecord> records_;
  TransferTotals transfers_;
};

}  // namespace mpsim::kernels
