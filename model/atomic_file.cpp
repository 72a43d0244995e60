// Atomic, durable file replacement (atomic_file.hpp) with plain POSIX calls: iostreams hide
// errno and offer no fsync.
#include "model/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace mpsim {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempMarker = ".mpsim-tmp.";

[[noreturn]] void fail(const std::string& path, const char* step, int err) {
  throw FileWriteError(path + ": cannot " + step + ": " + std::strerror(err));
}

std::string dir_of(const std::string& path) {
  const fs::path dir = fs::path(path).parent_path();
  return dir.empty() ? "." : dir.string();
}

// Some file systems cannot sync a directory (EINVAL); the rename is then as durable as they
// make it, which is not an error of ours.
void sync_dir(const std::string& dir, const std::string& path_for_errors) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(path_for_errors, "open its directory to sync it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) fail(path_for_errors, "sync its directory", err);
}

// Steps 1 and 2: the complete contents in `temp`, on disk. Removes `temp` on failure.
void write_temp(const std::string& temp, const std::string& path, std::string_view contents) {
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "create a file in its directory", errno);
  const auto give_up = [&](const char* step, int err) {
    ::close(fd);
    ::unlink(temp.c_str());
    fail(path, step, err);
  };
  const char* p = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    // A short count is not an error (a signal, or the last bytes before a size limit); the
    // next call then reports the reason, e.g. ENOSPC or EFBIG.
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      give_up("write", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) give_up("write (sync)", errno);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    fail(path, "write (close)", err);
  }
}

}  // namespace

std::string temp_path_for(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + std::string(kTempMarker) + std::to_string(::getpid())))
      .string();
}

bool is_temp_file_name(const std::string& file_name) {
  return !file_name.empty() && file_name[0] == '.' && file_name.find(kTempMarker) != std::string::npos;
}

void commit_file(const std::string& temp, const std::string& path) {
  const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "open the file written for it", errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    ::unlink(temp.c_str());
    fail(path, "write (sync)", err);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_err = errno;
    ::unlink(temp.c_str());
    fail(path, "rename into place", rename_err);
  }
  sync_dir(dir_of(path), path);
}

void write_file_atomically(const std::string& path, std::string_view contents) {
  const std::string temp = temp_path_for(path);
  write_temp(temp, path, contents);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    fail(path, "rename into place", err);
  }
  sync_dir(dir_of(path), path);
}

void write_files_atomically(const std::vector<FileContents>& files) {
  std::vector<std::string> temps;
  const auto remove_temps = [&](std::size_t from) {
    for (std::size_t i = from; i < temps.size(); ++i) ::unlink(temps[i].c_str());
  };
  try {
    for (const FileContents& f : files) {
      temps.push_back(temp_path_for(f.path));
      write_temp(temps.back(), f.path, f.contents);
    }
  } catch (const FileWriteError&) {
    remove_temps(0);  // the failing one removed itself; unlinking it again is harmless
    throw;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (::rename(temps[i].c_str(), files[i].path.c_str()) != 0) {
      const int err = errno;
      remove_temps(i);
      fail(files[i].path, "rename into place", err);
    }
  }
  std::vector<std::string> synced;
  for (const FileContents& f : files) {
    const std::string dir = dir_of(f.path);
    if (std::find(synced.begin(), synced.end(), dir) != synced.end()) continue;
    sync_dir(dir, f.path);
    synced.push_back(dir);
  }
}

void remove_stale_temp_files(const std::string& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ignored;
    if (is_temp_file_name(it->path().filename().string()) && it->is_regular_file(ignored))
      fs::remove(it->path(), ignored);
  }
}

}  // namespace mpsim
