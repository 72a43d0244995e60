// Catch2 main for the [cuda] test executables: without a usable GPU it exits with
// kSkipReturnCode, which ctest reports as "Skipped" (SKIP_RETURN_CODE), never as passed.
// Listing tests (catch_discover_tests at build time) works without a GPU.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cuda_runtime.h>

#include <cstdio>

constexpr int kSkipReturnCode = 77;

int main(int argc, char** argv) {
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  const Catch::ConfigData& config = session.configData();
  const bool listing = config.listTests || config.listTestNamesOnly || config.listTags || config.listReporters;
  if (!listing) {
    int devices = 0;
    const cudaError_t status = cudaGetDeviceCount(&devices);
    if (status != cudaSuccess || devices == 0) {
      std::printf("SKIPPED: no CUDA device (%s)\n", status != cudaSuccess ? cudaGetErrorString(status) : "0 devices");
      return kSkipReturnCode;
    }
  }
  return session.run();
}
