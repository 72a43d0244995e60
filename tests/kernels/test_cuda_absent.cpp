// Asking for the cuda backend where no GPU is usable gives one clear line, never a crash (issue 6).
// CUDA_VISIBLE_DEVICES=-1 hides every GPU from this process (an invalid index hides it and all
// after it), so the test runs, and means the same, on machines with and without a GPU. The
// variable must be set before the CUDA runtime initialises: nothing in this executable calls CUDA
// before the test does. Apart from the [cuda] GPU tests because those skip without a GPU.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "kernels/backend.hpp"

using namespace mpsim::kernels;

TEST_CASE("asking for cuda without a GPU gives one clear error line", "[kernels][backend][cuda_absent]") {
  REQUIRE(setenv("CUDA_VISIBLE_DEVICES", "-1", 1) == 0);
  std::string what;
  try {
    make_backend(Device::cuda);
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  INFO("message: " << what);
  CHECK(what.rfind("backend cuda: no CUDA device available (cudaGetDeviceCount: ", 0) == 0);
  CHECK(what.back() == ')');
  CHECK(what.find('\n') == std::string::npos);
}
