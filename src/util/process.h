// The one process runner: a program started without a shell (argv as given, looked up in PATH),
// stdin from /dev/null, stdout streamed to a sink, stderr kept apart (capped), killed with
// SIGKILL when it outlives its timeout or the sink stops reading. Used by CliEngine, the
// kubeconfig exec credential plugin and the test fixtures.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kmg {

// Receives stdout chunk by chunk; false stops reading (the process is then killed).
using OutputSink = std::function<bool(std::string_view chunk)>;

struct ProcessOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Variables set for the child on top of our environment (same name: replaced).
  std::vector<std::pair<std::string, std::string>> env;
  std::size_t stderr_cap = 64 * 1024;
  bool merge_stderr = false;  // stderr goes to the sink too (container logs); still kept
};

// How a run ended. Exactly one of: spawn_error set, timed_out, stopped_by_sink, signal != 0,
// or exit_code >= 0 (the program exited by itself with that status).
struct ProcessResult {
  int exit_code = -1;  // the exit status when the program exited; -1 otherwise
  int signal = 0;      // the signal that ended it (SIGKILL after a timeout or a stop)
  bool timed_out = false;
  bool stopped_by_sink = false;
  std::string stderr_text;  // capped
  std::string spawn_error;  // set when the program could not be started ("No such file ...")

  bool succeeded() const { return exit_code == 0; }
  // One line for messages: "exit code 3: <last stderr line>", "killed by signal 9",
  // "timed out after 2s", "could not start: No such file or directory".
  std::string describe(std::chrono::milliseconds timeout) const;
};

// Never throws for the program's own failures; see the result.
ProcessResult run_process(const std::vector<std::string>& argv, const OutputSink& out,
                          const ProcessOptions& options = {});

// The whole stdout in `out`, up to `out_cap` bytes (beyond: stopped_by_sink, the program killed).
ProcessResult run_process_capture(const std::vector<std::string>& argv, std::string& out,
                                  const ProcessOptions& options = {},
                                  std::size_t out_cap = 64u << 20);

// The first PATH entry holding an executable `name`, or "" (pure: PATH is passed in).
std::string find_in_path(const std::string& name, const std::string& path_env);

}  // namespace kmg
