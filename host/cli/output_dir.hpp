// Writing a command's result files into --out DIR so that nothing half-written is ever seen:
// every file goes to a temporary name in DIR first and is renamed over its final name only
// once all of them were written. A failure removes the temporaries and leaves what DIR held.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mpsim::cli {

struct OutputFile {
  std::string name;  // a plain file name inside the directory
  std::string contents;
};

// Throws UsageError when `dir` exists and is not a directory: checked before any work, so a
// bad --out costs nothing and touches nothing.
void check_output_dir(const std::string& dir);

// Creates `dir` (and parents) if needed, then writes `files` atomically as described above.
// Throws std::runtime_error with one line naming the path on failure.
void write_output_files(const std::string& dir, const std::vector<OutputFile>& files);

}  // namespace mpsim::cli
