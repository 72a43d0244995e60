// Checks on what mpsim commands leave in an output directory (tests/host/output_files.hpp).
#include "tests/host/output_files.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/train/checkpoint.hpp"
#include "model/atomic_file.hpp"
#include "tests/support/run_mpsim.hpp"

namespace mpsim::test {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Fields of one CSV line, with RFC 4180 quoting (experiment_report's csv_field).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) fields.emplace_back();
    else fields.back() += c;
  }
  return fields;
}

// Every file under `dir` is complete: JSON and JSON lines parse, every CSV row has the header's
// number of fields and the file ends with its newline, PNGs end with their IEND chunk, a
// checkpoint loads (its CRCs hold). Temporaries a SIGKILL left are allowed (they are never
// read and the next run removes them) and counted.
int check_files_whole(const fs::path& dir) {
  int temporaries = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    const std::string text = slurp(e.path());
    INFO("file " << e.path().string());
    if (mpsim::is_temp_file_name(name)) {
      ++temporaries;
    } else if (name == ".mpsim.lock") {
      CHECK(text.empty());
    } else if (name == "checkpoint.bin") {
      CHECK_NOTHROW(mpsim::host::train::read_checkpoint(e.path().string()));
    } else if (e.path().extension() == ".json") {
      CHECK_NOTHROW(nlohmann::json::parse(text));
    } else if (e.path().extension() == ".jsonl") {
      REQUIRE(!text.empty());
      CHECK(text.back() == '\n');
      for (const std::string& line : lines_of(text)) CHECK_NOTHROW(nlohmann::json::parse(line));
    } else if (e.path().extension() == ".csv") {
      REQUIRE(!text.empty());
      CHECK(text.back() == '\n');
      const auto lines = lines_of(text);
      const std::size_t columns = csv_fields(lines.front()).size();
      for (const std::string& line : lines) CHECK(csv_fields(line).size() == columns);
    } else if (e.path().extension() == ".png") {
      REQUIRE(text.size() > 20);
      CHECK(text.substr(1, 3) == "PNG");
      CHECK(text.substr(text.size() - 8, 4) == "IEND");
    } else if (e.path().extension() == ".gp" || e.path().extension() == ".md") {
      REQUIRE(!text.empty());
      CHECK(text.back() == '\n');
    } else if (name == "key") {
      CHECK(text.size() == 16);  // 64-bit hash in hex
    } else {
      FAIL("a file no mpsim command writes");
    }
  }
  return temporaries;
}

// A result file with the run's wall-clock durations taken out: those, and only those, differ
// between an interrupted and an uninterrupted run. They are metrics.csv's train_seconds and
// eval_seconds columns, the same two fields in the checkpoint's per-epoch metrics, and the
// train_seconds of point.json and of results.json's points. Each is required to be there, so a
// renamed field fails here instead of slipping into the comparison or out of it.
std::string without_durations(const fs::path& file) {
  const std::string name = file.filename().string();
  const std::string text = slurp(file);
  INFO("file " << file.string());
  if (name == "metrics.csv") {
    const auto lines = lines_of(text);
    const auto header = csv_fields(lines.front());
    std::vector<std::size_t> drop;
    for (const char* column : {"train_seconds", "eval_seconds"}) {
      const auto it = std::find(header.begin(), header.end(), column);
      REQUIRE(it != header.end());
      drop.push_back(static_cast<std::size_t>(it - header.begin()));
    }
    std::string out;
    for (const std::string& line : lines) {
      auto fields = csv_fields(line);
      for (std::size_t i : drop) fields.at(i) = "-";
      for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
      out += "\n";
    }
    return out;
  }
  if (name == "point.json") {
    auto json = nlohmann::json::parse(text);
    REQUIRE(json.erase("train_seconds") == 1);
    return json.dump(1);
  }
  if (name == "results.json") {
    auto json = nlohmann::ordered_json::parse(text);
    for (auto& point : json.at("points")) REQUIRE(point.erase("train_seconds") == 1);
    return json.dump(1);
  }
  if (name == "checkpoint.bin") {
    auto c = mpsim::host::train::read_checkpoint(file.string());
    REQUIRE(!c.state.epochs.empty());
    for (auto& m : c.state.epochs) m.train_seconds = m.eval_seconds = 0;
    // Encoded again: equal checkpoints give equal bytes (the format has no padding or clock).
    const fs::path scratch = fs::temp_directory_path() / ("mpsim_faults_ckpt_" + std::to_string(::getpid()));
    mpsim::host::train::write_checkpoint(scratch.string(), c);
    const std::string bytes = slurp(scratch);
    fs::remove(scratch);
    return bytes;
  }
  return text;
}

// Every file under `dir` by its relative name, read through `read`.
std::map<std::string, std::string> files_under(const fs::path& dir,
                                               const std::function<std::string(const fs::path&)>& read) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read(e.path());
  return files;
}
std::map<std::string, std::string> results_of(const fs::path& dir) { return files_under(dir, without_durations); }
std::map<std::string, std::string> snapshot(const fs::path& dir) { return files_under(dir, slurp); }

std::vector<std::string> temporaries_under(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (mpsim::is_temp_file_name(e.path().filename().string())) found.push_back(e.path().string());
  return found;
}

}  // namespace mpsim::test
