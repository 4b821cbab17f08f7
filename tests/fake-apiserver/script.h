// The scenario's "script": timed changes played against the live store once the server is ready
// (see README.md here for the step format). Steps are checked when loaded, so a typo fails the
// start rather than the middle of a test.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "store.h"

namespace kmg::fakeapi {

struct ScriptStep {
  std::int64_t after_ms = 0;  // after the previous step
  std::string op;
  json args;  // the whole step object
};

// The parts of a step that act on the server rather than the store.
struct ScriptHooks {
  std::function<void(double seconds)> outage;  // drop connections, refuse new ones
  std::function<void()> exit;                  // the process exits 0
};

struct ScriptOptions {
  double speed = 1.0;     // 2.0 plays twice as fast
  std::string done_file;  // written once the last step ran (before an `exit` step acts)
};

// Throws kmg::Error naming the step (source and index) that is malformed.
std::vector<ScriptStep> parse_script(const json& steps, const std::string& source);

// Plays every step in order; returns early when `stop` turns true.
void play_script(const std::vector<ScriptStep>& steps, Store& store, const ScriptHooks& hooks,
                 const ScriptOptions& options, const std::atomic<bool>& stop);

}  // namespace kmg::fakeapi
