// Running the real `mpsim` binary from a test as users and scripts do: arguments in, exit
// status, stdout and stderr out. MPSIM_BINARY is defined by tests/CMakeLists.txt.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

}  // namespace mpsim::test
