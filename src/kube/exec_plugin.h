// Runs a credential plugin (or any helper program) without a shell: argv as given, extra
// environment on top of ours, stdin from /dev/null, stdout and stderr captured, killed at a
// timeout.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace kmg::kube {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or by the timeout
  int signal = 0;      // the signal that ended it, if any
  bool timed_out = false;
  std::string out;  // stdout (capped at 4 MiB)
  std::string err;  // stderr (capped at 64 KiB)
};

// Starts `command` (looked up in $PATH when it has no '/') with `args`. `env` entries replace
// variables of the same name in our environment. Throws kmg::Error when it cannot be started
// ("no such file or directory").
ProcessResult run_process(const std::string& command, const std::vector<std::string>& args,
                          const std::vector<std::pair<std::string, std::string>>& env,
                          std::chrono::milliseconds timeout);

}  // namespace kmg::kube
