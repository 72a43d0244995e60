// Timing helpers shared by the benchmarks: wall-clock seconds of one call, and the median of
// repeated calls (these machines are shared and noisy: medians, and ratios taken in one run).
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

namespace mpsim::bench {

template <typename F>
double seconds_of(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Median seconds of `reps` calls after one warm-up call.
template <typename F>
double median_seconds(int reps, F&& f) {
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) t.push_back(seconds_of(f));
  return median(t);
}

}  // namespace mpsim::bench
