#include "host/cli/output_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "host/cli/commands.hpp"
#include "model/atomic_file.hpp"

namespace mpsim::cli {

namespace fs = std::filesystem;

namespace {

void create_output_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the output directory: " + ec.message());
}

}  // namespace

void check_output_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw UsageError("--out: '" + dir + "' exists and is not a directory");
  }
}

void write_output_files(const std::string& dir, const std::vector<OutputFile>& files) {
  create_output_dir(dir);
  std::vector<FileContents> paths;
  for (const OutputFile& f : files) paths.push_back({(fs::path(dir) / f.name).string(), f.contents});
  write_files_atomically(paths);
}

OutputDirLock::OutputDirLock(const std::string& dir) {
  create_output_dir(dir);
  const std::string path = (fs::path(dir) / ".mpsim.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(dir + ": cannot write in the output directory: " + std::strerror(errno));
  // Non-blocking: a second run should say so now, not wait silently for hours.
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    if (err == EWOULDBLOCK)
      throw std::runtime_error(dir + ": another mpsim is writing to this output directory (it holds " + path +
                               "); wait for it to end or choose another output directory");
    throw std::runtime_error(path + ": cannot lock: " + std::strerror(err));
  }
  remove_stale_temp_files(dir);
}

OutputDirLock::~OutputDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace mpsim::cli
