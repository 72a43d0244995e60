// The subcommands of the `mpsim` binary; each file in host/cli/ adds one to the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace mpsim::cli {

void add_formats_command(CLI::App& app);
void add_quantize_command(CLI::App& app);
void add_qerror_command(CLI::App& app);
void add_policies_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_verify_command(CLI::App& app);

// Thrown by a command for bad user input: main prints "mpsim <command>: <message>" on one line
// and exits with status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace mpsim::cli
