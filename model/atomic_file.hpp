// Writing result files so that nothing half-written is ever seen, whatever happens mid-write:
// a crash, SIGKILL, power loss or a full disk leaves either the old file or the complete new
// one. Every file mpsim writes (results, checkpoints, CSV, JSON, plots, workloads) goes
// through here; it lives in model/ because model/ (the Workload file) and every part above it
// write files, and model/ is the one part all of them may use (DESIGN.md).
//
// The sequence (POSIX; ext4's and XFS's documented way to replace a file durably):
//   1. write the contents to a temporary file in the same directory (".NAME.mpsim-tmp.PID",
//      so rename() never crosses a file system and a reader never sees the name),
//   2. fsync the temporary (its data is on disk before its name is),
//   3. rename() it over NAME (atomic: a reader opens the old or the new file, never a mix),
//   4. fsync the directory (the rename itself survives a power loss).
// A failure at any step removes the temporary and leaves NAME as it was.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mpsim {

// A file could not be written; what() is one line: the file's path, the step and the OS's
// reason, e.g. "runs/x/checkpoint.bin: cannot write: No space left on device".
struct FileWriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct FileContents {
  std::string path;
  std::string contents;
};

// Replaces (or creates) `path` with `contents` as described above. The directory must exist.
void write_file_atomically(const std::string& path, std::string_view contents);

// Several files: every temporary is written and synced first, then all are renamed. A failure
// while writing leaves every old file; only a failing rename (which needs no space) could
// leave some files new and others old.
void write_files_atomically(const std::vector<FileContents>& files);

// The temporary name write_file_atomically uses for `path`, for a file another program writes
// (gnuplot's PNG): let it write there, then commit_file(temp_path_for(path), path).
std::string temp_path_for(const std::string& path);
// Steps 2 to 4 for a temporary that already holds the complete contents. On failure the
// temporary is removed.
void commit_file(const std::string& temp, const std::string& path);

// Removes the temporaries a killed writer left in `dir` (not its subdirectories). Call it only
// while holding the directory's lock: another live writer's temporaries would go too.
void remove_stale_temp_files(const std::string& dir);
bool is_temp_file_name(const std::string& file_name);

}  // namespace mpsim
