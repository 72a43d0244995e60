// A command's output directory (--out DIR): checked before any work, written atomically
// (model/atomic_file.hpp), and, for the long commands that write into it over time (`mpsim
// train`, `mpsim run`), locked so that two runs never interleave their files.
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

// Creates `dir` (and parents) if needed, then writes `files` atomically: every file goes to a
// temporary in DIR first and is renamed over its final name only once all of them were written.
// Throws std::runtime_error with one line naming the path on failure; DIR keeps what it held.
void write_output_files(const std::string& dir, const std::vector<OutputFile>& files);

// flock(LOCK_EX) on DIR/.mpsim.lock for the object's lifetime (DIR is created first). A second
// mpsim on the same DIR fails at once with one line naming DIR (std::runtime_error) instead of
// interleaving its checkpoints and results with the first one's. The kernel drops the lock when
// the process ends in any way, SIGKILL included, so the lock file left behind never blocks a
// resume. Taking the lock also removes the temporaries a killed run left in DIR.
class OutputDirLock {
 public:
  explicit OutputDirLock(const std::string& dir);
  ~OutputDirLock();
  OutputDirLock(const OutputDirLock&) = delete;
  OutputDirLock& operator=(const OutputDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mpsim::cli
