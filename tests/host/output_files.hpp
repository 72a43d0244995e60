// Checks on what `mpsim train` and `mpsim run` leave in an output directory, for the fault
// tests (tests/host/test_faults.cpp): every file whole, the results with wall-clock durations
// taken out (the only fields an interrupted run may change), and snapshots to compare.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mpsim::test {

std::vector<std::string> lines_of(const std::string& text);
// Fields of one CSV line, with RFC 4180 quoting (experiment_report's csv_field).
std::vector<std::string> csv_fields(const std::string& line);
// Every file under `dir` is complete (Catch2 checks per file, see the .cpp); returns the number
// of temporaries a SIGKILL left, which are allowed.
int check_files_whole(const std::filesystem::path& dir);
// `file`'s contents with its wall-clock durations taken out.
std::string without_durations(const std::filesystem::path& file);
// Every file under `dir` by its relative name, read through `read`.
std::map<std::string, std::string> files_under(const std::filesystem::path& dir,
                                               const std::function<std::string(const std::filesystem::path&)>& read);
// files_under through without_durations, and byte for byte.
std::map<std::string, std::string> results_of(const std::filesystem::path& dir);
std::map<std::string, std::string> snapshot(const std::filesystem::path& dir);
// Temporary files (model/atomic_file.hpp's names) under `dir`.
std::vector<std::string> temporaries_under(const std::filesystem::path& dir);

}  // namespace mpsim::test
