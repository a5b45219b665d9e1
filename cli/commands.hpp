#pragma once
// Each command registers its CLI11 subcommand and, when chosen, stores the
// function that runs it after parsing.

#include <CLI/App.hpp>

#include <functional>

namespace mailferry::cli {

// Set by the chosen subcommand's callback; returns the exit status.
using CommandRunner = std::function<int()>;

void add_testserver_command(CLI::App& app, CommandRunner& runner);
void add_probe_command(CLI::App& app, CommandRunner& runner);
void add_migrate_command(CLI::App& app, CommandRunner& runner);
void add_verify_command(CLI::App& app, CommandRunner& runner);
void add_status_command(CLI::App& app, CommandRunner& runner);
void add_demo_command(CLI::App& app, CommandRunner& runner);
void add_sync_command(CLI::App& app, CommandRunner& runner);
void add_daemon_command(CLI::App& app, CommandRunner& runner);

}  // namespace mailferry::cli
