#pragma once
// The mailferry program: parses the command line and runs one command.

namespace mailferry::cli {

// Exit status of the program (SPEC.md, "Exit status").
enum class ExitCode : int {
    ok = 0,
    partial = 1,      // finished, but some messages failed
    usage = 2,        // usage or configuration error
    connect = 3,      // could not connect, negotiate TLS or log in
    interrupted = 4,  // signal or lost connection; a re-run resumes
};

// Runs the program; returns the process exit status. Never throws.
int run(int argc, char** argv) noexcept;

}  // namespace mailferry::cli
