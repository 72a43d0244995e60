// Replays files through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer, so every input
// that once failed (tests/fuzz/regressions/<target>/) and every seed (tests/fuzz/corpus/<target>/)
// runs in the default suite of every build, the GCC one included. A crash, an uncaught exception
// or a property a target checks aborts the process and fails the test.
//
//   fuzz_replay_<target> PATH...   each PATH a file, or a directory whose regular files are
//                                  replayed in name order; a directory that does not exist holds
//                                  no inputs (a target that never failed has no regressions)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path p = argv[i];
    if (fs::is_directory(p)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().filename() != "README.md") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (fs::exists(p)) {
      inputs.push_back(p);
    }
  }
  for (const fs::path& p : inputs) {
    const std::vector<std::uint8_t> bytes = file_bytes(p);
    // Printed first, so the input that brought the process down is the last line of the log.
    std::printf("%s (%zu bytes)\n", p.string().c_str(), bytes.size());
    std::fflush(stdout);
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::printf("replayed %zu inputs\n", inputs.size());
  return 0;
}
