// Quantize throughput: the fast fp32 -> format -> fp32 path (model/quantize_fast.hpp, nearest
// even, saturating overflow) for e4m3, e5m2, fp16 and bf16, the general path (model/quantize.hpp,
// one double-precision quantize() per element) for e4m3, and std::memcpy of the same buffer as
// the yardstick, all measured in the same run, interleaved rep by rep, with 1 and N threads.
//
// The input is seeded Gaussian data over a spread of scales so that every path of the quantizer
// is taken (normal, subnormal, flush to zero, saturation, Inf and NaN); the coverage each format
// sees is printed, and the fast results are checked bit for bit against quantize() before timing.
//
//   bench_quantize [--threads 1,2] [--reps 11] [--mib 64] [--csv FILE|-]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "model/bits.hpp"
#include "model/float_format.hpp"
#include "model/quantize.hpp"
#include "model/quantize_fast.hpp"
#include "model/rounding.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using Kernel = std::function<void(std::size_t begin, std::size_t end)>;

constexpr mpsim::RoundingSpec kSpec{mpsim::Rounding::nearest_even, mpsim::Overflow::saturate};

struct Case {
  std::string name;    // e.g. "fast e4m3"
  std::string format;  // "-" for memcpy
  Kernel kernel;
  std::vector<double> seconds;
};

// Gaussian values times 2^k, k mostly in [-24, 16] (the fp8/fp16 subnormal and overflow ranges),
// with a few at 2^-130 and 2^127 (bf16's subnormals and overflow) and a few Inf and NaN.
std::vector<float> make_input(std::size_t n, std::uint64_t seed) {
  std::vector<float> v(n);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_int_distribution<int> scale(-24, 16);
  std::uniform_int_distribution<int> pick(0, 999);
  for (std::size_t i = 0; i < n; ++i) {
    const int p = pick(rng);
    int k = scale(rng);
    if (p < 10) k = -130;
    else if (p < 20) k = 127;
    double x = std::ldexp(gauss(rng), k);
    if ((i & 0xffff) == 1) x = mpsim::infinity();
    if ((i & 0xffff) == 2) x = -mpsim::infinity();
    if ((i & 0xffff) == 3) x = mpsim::quiet_nan();
    // Out-of-range values become +-Inf in fp32, which is what they would be in a training tensor.
    v[i] = static_cast<float>(x);
  }
  return v;
}

// Runs kernel over [0, n) split into `threads` contiguous chunks (64-byte aligned boundaries);
// the calling thread takes the first chunk. Returns wall-clock seconds, thread start-up included.
double run_timed(const Kernel& kernel, std::size_t n, unsigned threads) {
  const auto start = Clock::now();
  if (threads <= 1) {
    kernel(0, n);
  } else {
    std::size_t chunk = (n + threads - 1) / threads;
    chunk = (chunk + 15) / 16 * 16;
    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned t = 1; t < threads; ++t) {
      const std::size_t begin = std::min(n, t * chunk), end = std::min(n, (t + 1) * chunk);
      pool.emplace_back([&kernel, begin, end] { kernel(begin, end); });
    }
    kernel(0, std::min(n, chunk));
    for (auto& th : pool) th.join();
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

bool same_value(float a, float b) {
  return mpsim::bits_of(a) == mpsim::bits_of(b) || (std::isnan(a) && std::isnan(b));
}

struct Format {
  const char* name;
  mpsim::FloatFormat format;
};
constexpr Format kFormats[] = {{"e4m3", mpsim::formats::e4m3},
                               {"e5m2", mpsim::formats::e5m2},
                               {"fp16", mpsim::formats::fp16},
                               {"bf16", mpsim::formats::bf16}};

// Quantizes the whole input once with the fast path, checks every element against quantize()
// (the general path, the reference) and prints which paths the data exercised.
bool check_and_report_coverage(const std::vector<float>& in, std::vector<float>& out) {
  bool ok = true;
  fmt::print("{:<6} {:>9} {:>11} {:>9} {:>10} {:>9} {:>10}\n", "format", "normal %", "subnormal %", "flushed %",
             "saturated %", "Inf/NaN %", "mismatches");
  for (const auto& [name, format] : kFormats) {
    const mpsim::Fp32Quantizer q(format, kSpec.overflow);
    mpsim::quantize_fp32_nearest_even(in.data(), out.data(), in.size(), q);
    const auto max_finite = static_cast<float>(format.max_finite());
    const auto min_normal = static_cast<float>(format.min_normal());
    std::size_t normal = 0, subnormal = 0, flushed = 0, saturated = 0, special = 0, mismatches = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const float x = in[i], r = out[i];
      if (!std::isfinite(x)) ++special;
      else if (std::fabs(x) > max_finite) ++saturated;
      else if (r == 0.0f && x != 0.0f) ++flushed;
      else if (std::fabs(r) < min_normal) ++subnormal;
      else ++normal;
      if (!same_value(r, static_cast<float>(mpsim::quantize(static_cast<double>(x), format, kSpec)))) ++mismatches;
    }
    const double pct = 100.0 / static_cast<double>(in.size());
    fmt::print("{:<6} {:>9.3f} {:>11.3f} {:>9.3f} {:>11.3f} {:>9.4f} {:>10}\n", name,
               static_cast<double>(normal) * pct, static_cast<double>(subnormal) * pct,
               static_cast<double>(flushed) * pct, static_cast<double>(saturated) * pct,
               static_cast<double>(special) * pct, mismatches);
    ok = ok && mismatches == 0;
  }
  return ok;
}

std::vector<unsigned> parse_threads(const std::string& list) {
  std::vector<unsigned> threads;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    const std::string item = list.substr(pos, comma - pos);
    if (!item.empty()) {
      std::size_t used = 0;
      unsigned long t = 0;
      try {
        t = std::stoul(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != item.size() || t == 0 || t > 1024)
        throw std::invalid_argument("--threads: each count must be an integer 1..1024, got '" + item + "'");
      threads.push_back(static_cast<unsigned>(t));
    }
    pos = comma + 1;
  }
  return threads;
}

const char* vector_isa() {
#if defined(__AVX512F__)
  return "AVX-512";
#elif defined(__AVX2__)
  return "AVX2";
#elif defined(__AVX__)
  return "AVX";
#elif defined(__SSE2__)
  return "SSE2";
#else
  return "scalar";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  std::string threads_list = hw > 1 ? fmt::format("1,{}", hw) : "1";
  int reps = 11;
  double mib = 64.0;
  std::string csv_path;
  bool skip_general = false;
  std::uint64_t seed = 20240601;

  CLI::App app{"Quantize throughput (model/quantize_fast.hpp) against memcpy"};
  app.add_option("--threads", threads_list, "comma-separated thread counts (default 1,hardware_concurrency)")
      ->capture_default_str();
  app.add_option("--reps", reps, "timed repetitions per kernel, after one warm-up")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--mib", mib, "input buffer size in MiB of fp32 (output buffer the same)")
      ->check(CLI::Range(0.001, 65536.0))
      ->capture_default_str();
  app.add_option("--csv", csv_path, "also write one CSV row per (threads, kernel) to FILE, '-' for stdout");
  app.add_flag("--no-general", skip_general, "skip the general (double quantize()) path, which is slow");
  app.add_option("--seed", seed, "input data seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::vector<unsigned> thread_counts;
  try {
    thread_counts = parse_threads(threads_list);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  if (thread_counts.empty()) {
    fmt::print(stderr, "error: --threads lists no thread count\n");
    return 2;
  }

  // Opened before the (long) run so that a bad path fails at once.
  std::FILE* csv_file = nullptr;
  if (!csv_path.empty() && csv_path != "-") {
    csv_file = std::fopen(csv_path.c_str(), "w");
    if (csv_file == nullptr) {
      fmt::print(stderr, "error: cannot open {} for writing\n", csv_path);
      return 2;
    }
  }
  const auto n = static_cast<std::size_t>(mib * 1024.0 * 1024.0 / sizeof(float)) / 16 * 16;
  if (n == 0) {
    fmt::print(stderr, "error: --mib too small\n");
    return 2;
  }
  const double bytes = static_cast<double>(n * sizeof(float));

  fmt::print("bench_quantize: {} floats ({:.1f} MiB in, {:.1f} MiB out), {} reps after 1 warm-up, median reported\n",
             n, bytes / (1024.0 * 1024.0), bytes / (1024.0 * 1024.0), reps);
  fmt::print("hardware_concurrency {}, compiled with {} ({}), rounding nearest-even, overflow saturate\n", hw,
             __VERSION__, vector_isa());

  const std::vector<float> in = make_input(n, seed);
  std::vector<float> out(n, 1.0f);  // touched now, so page faults stay out of the timings

  fmt::print("\ninput coverage and check against quantize() (general path):\n");
  if (!check_and_report_coverage(in, out)) {
    fmt::print(stderr, "error: the fast path disagrees with quantize()\n");
    return 1;
  }

  std::string csv = "threads,kernel,format,elements,reps,median_s,min_s,elements_per_s,input_gb_per_s,ratio_to_memcpy\n";

  const float* src = in.data();
  float* dst = out.data();
  std::vector<Case> cases;
  cases.push_back({"memcpy", "-", [src, dst](std::size_t b, std::size_t e) {
                     std::memcpy(dst + b, src + b, (e - b) * sizeof(float));
                   }, {}});
  for (const auto& [name, format] : kFormats) {
    const mpsim::Fp32Quantizer q(format, kSpec.overflow);
    cases.push_back({fmt::format("fast {}", name), name, [src, dst, q](std::size_t b, std::size_t e) {
                       mpsim::quantize_fp32_nearest_even(src + b, dst + b, e - b, q);
                     }, {}});
  }
  if (!skip_general) {
    cases.push_back({"general e4m3", "e4m3", [src, dst](std::size_t b, std::size_t e) {
                       for (std::size_t i = b; i < e; ++i)
                         dst[i] = static_cast<float>(
                             mpsim::quantize(static_cast<double>(src[i]), mpsim::formats::e4m3, kSpec));
                     }, {}});
  }

  std::uint64_t checksum = 0;
  for (const unsigned threads : thread_counts) {
    for (auto& c : cases) {
      c.seconds.clear();
      run_timed(c.kernel, n, threads);  // warm-up
    }
    // Interleaved: each rep runs every kernel once, so slow drifts on a shared machine hit all alike.
    for (int r = 0; r < reps; ++r)
      for (auto& c : cases) {
        c.seconds.push_back(run_timed(c.kernel, n, threads));
        checksum += mpsim::bits_of(out[static_cast<std::size_t>(r) * 7919 % n]);
      }

    const double memcpy_median = median(cases.front().seconds);
    fmt::print("\nthreads {}:\n", threads);
    fmt::print("{:<13} {:>10} {:>10} {:>10} {:>10} {:>9}\n", "kernel", "median ms", "min ms", "Gelem/s", "GB/s in",
               "x memcpy");
    for (const auto& c : cases) {
      const double med = median(c.seconds);
      const double best = *std::min_element(c.seconds.begin(), c.seconds.end());
      const double eps = static_cast<double>(n) / med;
      const double gbps = bytes / med / 1e9;
      const double ratio = memcpy_median / med;
      fmt::print("{:<13} {:>10.2f} {:>10.2f} {:>10.3f} {:>10.2f} {:>9.3f}\n", c.name, med * 1e3, best * 1e3, eps / 1e9,
                 gbps, ratio);
      csv += fmt::format("{},{},{},{},{},{:.6e},{:.6e},{:.6e},{:.4f},{:.4f}\n", threads, c.name, c.format, n, reps, med,
                         best, eps, gbps, ratio);
    }
  }
  if (csv_path == "-") {
    fmt::print("\n{}", csv);
  } else if (csv_file != nullptr) {
    const bool written = std::fputs(csv.c_str(), csv_file) >= 0;
    if (std::fclose(csv_file) != 0 || !written) {
      fmt::print(stderr, "error: cannot write {}\n", csv_path);
      return 2;
    }
  }
  // Printed so the compiler cannot drop the work; the value itself means nothing.
  fmt::print("\n(checksum {:x}; GB = 1e9 bytes of fp32 input; x memcpy = memcpy median / kernel median)\n", checksum);
  return 0;
}
