// Running the real `mpsim` binary from a test as users and scripts do: arguments in, exit
// status, stdout and stderr out. MPSIM_BINARY is defined by tests/CMakeLists.txt.
#pragma once

#include <fcntl.h>
#include <pty.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mpsim::test {

struct Run {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory under the system temp dir, unique to this process and call.
inline std::filesystem::path fresh_temp_dir(const std::string& tag) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("mpsim_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A sanitized mpsim (`make test SANITIZE=...`) that hits a report exits non-zero, which a test
// expecting a failure status for bad input would take as the expected answer. So every run's
// stderr is read for the line each sanitizer ends its report with ("SUMMARY: AddressSanitizer:
// ...", "SUMMARY: UndefinedBehaviorSanitizer: ...", LeakSanitizer, ThreadSanitizer), and a report
// fails the calling test whatever it expected, with the report as the message.
inline void throw_on_sanitizer_report(const std::string& err) {
  for (std::size_t at = err.find("SUMMARY: "); at != std::string::npos; at = err.find("SUMMARY: ", at + 1)) {
    const std::size_t eol = err.find('\n', at);
    if (err.substr(at, eol == std::string::npos ? std::string::npos : eol - at).find("Sanitizer") != std::string::npos)
      throw std::runtime_error("the mpsim binary hit a sanitizer report:\n" + err);
  }
}

// Runs `<prefix> MPSIM_BINARY <args>` through the shell (prefix: e.g. "mpirun -np 2").
inline Run run_command(const std::string& prefix, const std::string& args, const std::string& input = "") {
  const auto dir = fresh_temp_dir("run");
  std::ofstream(dir / "in") << input;
  const std::string cmd = prefix + (prefix.empty() ? "" : " ") + std::string(MPSIM_BINARY) + " " + args + " <" +
                          (dir / "in").string() + " >" + (dir / "out").string() + " 2>" + (dir / "err").string();
  const int raw = std::system(cmd.c_str());
  Run r{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir / "out"), slurp(dir / "err")};
  std::filesystem::remove_all(dir);
  throw_on_sanitizer_report(r.err);
  return r;
}

inline Run run_mpsim(const std::string& args, const std::string& input = "") { return run_command("", args, input); }

// --- mpsim as a process the test controls: signals at chosen moments, a file-size limit, a TTY.

struct SpawnOptions {
  // RLIMIT_FSIZE for the child, bytes (0: inherited). A write past it fails with EFBIG (mpsim
  // ignores SIGXFSZ): a full disk on demand that works as root and in any container.
  std::uint64_t file_size_limit = 0;
  // stdout on a pseudo-terminal (mpsim then draws its progress bar), read back as `out`.
  bool tty = false;
};

// A running `MPSIM_BINARY <args>` (spawn_mpsim). wait() reaps it and returns what it printed;
// `status` is the exit status, or 128 + the signal that ended it, as a shell reports it.
class Child {
 public:
  Child(pid_t pid, std::filesystem::path dir, int tty_fd)
      : pid_(pid), dir_(std::move(dir)), tty_fd_(tty_fd), tty_(tty_fd >= 0) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }

  pid_t pid() const { return pid_; }
  // What it printed on stdout so far.
  std::string output() {
    drain_tty();
    return tty_ ? tty_out_ : slurp(dir_ / "out");
  }
  void signal(int sig) const { ::kill(pid_, sig); }
  // Still running (not yet exited; a zombie counts as exited).
  bool running() {
    if (pid_ <= 0 || reaped_) return false;
    drain_tty();
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) {
      reaped_ = true, raw_ = raw;
      return false;
    }
    return true;
  }
  // A sanitizer report in what it printed fails the calling test (throw_on_sanitizer_report).
  Run wait() {
    Run r = reap();
    throw_on_sanitizer_report(r.err);
    return r;
  }

 private:
  // wait() without the report check, for the destructor, which must not throw.
  Run reap() {
    while (!reaped_) {
      drain_tty();
      int raw = 0;
      const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
      if (r == pid_) reaped_ = true, raw_ = raw;
      else if (r < 0) break;
      else ::usleep(2000);
    }
    drain_tty();
    if (tty_fd_ >= 0) ::close(tty_fd_), tty_fd_ = -1;
    Run r;
    r.status = WIFEXITED(raw_) ? WEXITSTATUS(raw_) : WIFSIGNALED(raw_) ? 128 + WTERMSIG(raw_) : -1;
    r.out = tty_ ? tty_out_ : slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    pid_ = -1;
    return r;
  }

  // The pty's buffer is small: read what the child wrote so it never blocks on a full terminal.
  void drain_tty() {
    if (tty_fd_ < 0) return;
    char buf[4096];
    for (ssize_t n; (n = ::read(tty_fd_, buf, sizeof buf)) > 0;) tty_out_.append(buf, static_cast<std::size_t>(n));
  }
  pid_t pid_;
  std::filesystem::path dir_;
  int tty_fd_;  // pty master (non-blocking) while open; -1 when stdout went to dir_/out
  bool tty_;
  bool reaped_ = false;
  int raw_ = 0;
  std::string tty_out_;
};

// Starts `MPSIM_BINARY <args>` (through /bin/sh -c "exec ...", so the pid is mpsim's own and
// args are split as run_mpsim splits them), stdin from /dev/null.
inline std::unique_ptr<Child> spawn_mpsim(const std::string& args, const SpawnOptions& options = {}) {
  const auto dir = fresh_temp_dir("spawn");
  int master = -1, slave = -1;
  if (options.tty) {
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) throw std::runtime_error("openpty failed");
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
  }
  const std::string out = (dir / "out").string(), err = (dir / "err").string();
  const std::string cmd = "exec " + std::string(MPSIM_BINARY) + " " + args;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (options.file_size_limit > 0) {
      const rlimit limit{options.file_size_limit, options.file_size_limit};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    const int in_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = options.tty ? slave : ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in_fd, 0), ::dup2(out_fd, 1), ::dup2(err_fd, 2);
    if (options.tty) ::close(master);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (options.tty) ::close(slave);
  return std::make_unique<Child>(pid, dir, master);
}

}  // namespace mpsim::test
