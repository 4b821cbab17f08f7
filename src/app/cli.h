// Command-line front end (CLI11): parses arguments and dispatches to the commands.
#pragma once

namespace kmg::app {

// Exit codes, documented in README.md.
enum ExitCode : int {
  kExitComplete = 0,     // bundle complete (or the command succeeded)
  kExitIncomplete = 1,   // bundle written but incomplete (0 with --exit-zero)
  kExitUsage = 2,        // bad command line
  kExitNothing = 3,      // nothing could be written
  kExitInterrupted = 4,  // interrupted: partial bundle written (0 with --exit-zero)
};

int run_cli(int argc, char** argv);

}  // namespace kmg::app
