// A child process the test can wait for or signal while it works: run_process() waits for one
// (SIGKILL on timeout), the signal tests send SIGTERM/SIGINT mid-gather.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace kmg::reliability {

class ChildProcess {
 public:
  // Spawns `args[0]` (a path) with stdin from /dev/null and stdout/stderr into files. The child
  // gets the parent's environment without KUBECONFIG, HOME, GITHUB_* and
  // KIND_EXPERIMENTAL_PROVIDER, plus `env_overrides` ("KEY=value").
  ChildProcess(const std::vector<std::string>& args, const std::vector<std::string>& env_overrides);
  // SIGKILLs a child still running and removes the capture folder.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void send(int signal_number) const;
  // The exit code once it exited within `timeout` (-1 when killed by a signal), else nullopt.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  // Polls stderr until it contains `needle`; false when the child exits or `timeout` passes first.
  bool wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout);
  std::string out() const;
  std::string err() const;

 private:
  bool reap(bool block);

  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
  std::string dir_;
};

}  // namespace kmg::reliability
