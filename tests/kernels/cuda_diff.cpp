// The CUDA-against-CPU runner (cuda_diff.hpp).
#include "tests/kernels/cuda_diff.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mpsim::kernels::testing {

Backends& backends() {
  static Backends b;
  return b;
}
CudaBackend& cuda_backend() { return dynamic_cast<CudaBackend&>(*backends().gpu); }

std::string hex(float v) {
  char text[48];
  std::snprintf(text, sizeof text, "%a (0x%08x)", static_cast<double>(v), bits_of(v));
  return text;
}

namespace {

bool agrees(Match match, float got, float want) {
  switch (match) {
    case Match::bits: return bits_of(got) == bits_of(want);
    case Match::bits_any_nan: return bits_of(got) == bits_of(want) || (std::isnan(got) && std::isnan(want));
    case Match::close:
      return got == want || std::fabs(static_cast<double>(got) - want) <= kSoftmaxTolerance * std::fmax(1.0, std::fabs(want));
    case Match::bound: return true;  // checked against the reference instead
  }
  return false;
}

void check_within_bound(const std::string& backend, const Output& o, GemmPath path) {
  const std::vector<double>& bound = path == GemmPath::cublaslt_fp8 ? o.fp8_bound : o.bound;
  int failures = 0;
  for (std::size_t i = 0; i < o.values.size(); ++i) {
    const double v = o.values[i], ref = o.reference[i];
    const bool ok = std::isnan(ref) ? std::isnan(v) : (std::isinf(ref) ? v == ref : std::fabs(v - ref) <= bound[i]);
    if (!ok && failures++ < 3)
      FAIL_CHECK(backend << " (" << gemm_path_name(path) << ") " << o.name << "[" << i << "] = " << hex(o.values[i])
                         << ", reference " << ref << ", bound " << bound[i]);
  }
  CHECK(failures == 0);
}

Outcome run_on(const DiffCase& c, Backend& backend) {
  try {
    return c.run(backend);
  } catch (const KernelError& e) {
    Outcome o;
    o.error = e.what();
    return o;
  }
}

}  // namespace

// Runs a case on both backends and checks the GPU against the CPU; returns {cpu, gpu}.
std::pair<Outcome, Outcome> check_case(const DiffCase& c) {
  Backends& b = backends();
  b.cpu->traffic().clear();
  b.gpu->traffic().clear();
  const Outcome want = run_on(c, *b.cpu);
  const Outcome got = run_on(c, *b.gpu);
  INFO("case: " << c.name);
  CHECK(got.error == want.error);
  REQUIRE(got.outputs.size() == want.outputs.size());
  for (std::size_t o = 0; o < got.outputs.size(); ++o) {
    const Output &g = got.outputs[o], &w = want.outputs[o];
    REQUIRE(g.values.size() == w.values.size());
    if (g.match == Match::bound) {
      check_within_bound("cpu", w, want.path);
      check_within_bound("cuda", g, got.path);
      continue;
    }
    int mismatches = 0;
    for (std::size_t i = 0; i < g.values.size(); ++i) {
      if (agrees(g.match, g.values[i], w.values[i])) continue;
      if (mismatches++ < 3) FAIL_CHECK(g.name << "[" << i << "]: cuda " << hex(g.values[i]) << ", cpu " << hex(w.values[i]));
    }
    CHECK(mismatches == 0);
  }
  CHECK(got.counts == want.counts);
  REQUIRE(got.scalars.size() == want.scalars.size());
  for (std::size_t i = 0; i < got.scalars.size(); ++i)
    CHECK(std::fabs(got.scalars[i] - want.scalars[i]) <= kSoftmaxTolerance * std::fmax(1.0, std::fabs(want.scalars[i])));

  // The same kernels, tensors (names and ids), bytes and order.
  const auto& gr = b.gpu->traffic().records();
  const auto& cr = b.cpu->traffic().records();
  CHECK(gr.size() == cr.size());
  for (std::size_t i = 0; i < std::min(gr.size(), cr.size()); ++i) {
    INFO("traffic record " << i << ": cuda " << gr[i].kernel << " " << gr[i].tensor << " #" << gr[i].tensor_id << " r"
                           << gr[i].bytes_read << " w" << gr[i].bytes_written << ", cpu " << cr[i].kernel << " "
                           << cr[i].tensor << " #" << cr[i].tensor_id << " r" << cr[i].bytes_read << " w"
                           << cr[i].bytes_written);
    CHECK((gr[i].kernel == cr[i].kernel && gr[i].tensor == cr[i].tensor && gr[i].tensor_id == cr[i].tensor_id &&
           gr[i].bytes_read == cr[i].bytes_read && gr[i].bytes_written == cr[i].bytes_written));
  }
  return {want, got};
}

}  // namespace mpsim::kernels::testing
