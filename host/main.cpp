// mpsim: one binary, one subcommand per job (CLI11).
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "host/cli/commands.hpp"

namespace {
bool has_command(CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name() == name) return true;
  return false;
}
}  // namespace

int main(int argc, char** argv) {
  // Over a file-size limit (ulimit -f) a write would otherwise kill the process with SIGXFSZ;
  // ignored, the write fails with EFBIG and mpsim reports it as it reports a full disk: one
  // line naming the file, earlier files intact.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"mpsim: simulator for mixed-precision (fp8/fp16/bf16/fp32) DNN-training accelerators"};
  app.require_subcommand(1);
  mpsim::cli::add_formats_command(app);
  mpsim::cli::add_quantize_command(app);
  mpsim::cli::add_qerror_command(app);
  mpsim::cli::add_policies_command(app);
  mpsim::cli::add_train_command(app);
  mpsim::cli::add_simulate_command(app);
  mpsim::cli::add_run_command(app);
  mpsim::cli::add_verify_command(app);
  // CLI11 would call both of these "A subcommand is required"; say which case it is.
  std::string commands;
  for (const CLI::App* sub : app.get_subcommands({})) commands += (commands.empty() ? "" : ", ") + sub->get_name();
  if (argc < 2) {
    fmt::print(stderr, "mpsim: a command is required ({}; see mpsim --help)\n", commands);
    return 2;
  }
  if (argv[1][0] != '-' && !has_command(app, argv[1])) {
    fmt::print(stderr, "mpsim: unknown command '{}' (commands: {}; see mpsim --help)\n", argv[1], commands);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help
  } catch (const CLI::ParseError& e) {
    // One line, not CLI11's two (message plus "Run with --help").
    fmt::print(stderr, "mpsim: {} (see mpsim --help)\n", e.what());
    return 2;
  } catch (const mpsim::cli::UsageError& e) {
    fmt::print(stderr, "mpsim {}: {}\n", app.get_subcommands().front()->get_name(), e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "mpsim: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
