#include "host/cli/output_dir.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "host/cli/commands.hpp"

namespace mpsim::cli {

namespace fs = std::filesystem;

void check_output_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw UsageError("--out: '" + dir + "' exists and is not a directory");
  }
}

void write_output_files(const std::string& dir, const std::vector<OutputFile>& files) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the output directory: " + ec.message());
  // The temporaries live in DIR itself so that rename() never crosses a file system.
  std::vector<fs::path> temps;
  const auto remove_temps = [&] {
    for (const fs::path& t : temps) fs::remove(t, ec);
  };
  for (const OutputFile& f : files) {
    const fs::path temp = fs::path(dir) / ("." + f.name + ".tmp." + std::to_string(::getpid()));
    temps.push_back(temp);
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << f.contents;
    out.close();
    if (!out) {
      const std::string why = std::strerror(errno);
      remove_temps();
      throw std::runtime_error(temp.string() + ": cannot write: " + why);
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    fs::rename(temps[i], fs::path(dir) / files[i].name, ec);
    if (ec) {
      remove_temps();
      throw std::runtime_error((fs::path(dir) / files[i].name).string() + ": cannot rename into place: " + ec.message());
    }
  }
}

}  // namespace mpsim::cli
