// Runs a program with fork/exec (no shell), streaming its stdout, keeping its stderr, and killing
// it when it outlives its timeout. Used by CliEngine and by the podman test fixture.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engine/engine_api.h"

namespace kmg::engine {

struct ProcessResult {
  int exit_code = -1;  // the program's exit status; 128+N when killed by signal N
  bool timed_out = false;
  bool stopped_by_sink = false;
  std::string stderr_text;  // capped
  std::string spawn_error;  // set when the program could not be started ("No such file ...")
};

struct ProcessOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  std::size_t stderr_cap = 64 * 1024;
  bool merge_stderr = false;  // send stderr to the sink too (container logs)
};

// argv[0] is looked up in PATH. Never throws for the program's own failures; see the result.
ProcessResult run_process(const std::vector<std::string>& argv, const ChunkSink& out,
                          const ProcessOptions& options = {});

// Convenience: the whole stdout in memory.
ProcessResult run_process_capture(const std::vector<std::string>& argv, std::string& out,
                                  const ProcessOptions& options = {});

// The first PATH entry holding an executable `name`, or "" (pure: PATH is passed in).
std::string find_in_path(const std::string& name, const std::string& path_env);

}  // namespace kmg::engine
