#include "util/process.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fd.h"
#include "util/text.h"

extern char** environ;

namespace kmg {
namespace {

using Clock = std::chrono::steady_clock;

bool open_pipe(Pipe& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read.reset(fds[0]);
  p.write.reset(fds[1]);
  return true;
}

class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// The child starts with default SIGPIPE (we may ignore it, and exec keeps SIG_IGN) and no
// blocked signals (a signal-handling thread may have blocked them in ours).
class SpawnAttributes {
 public:
  SpawnAttributes() {
    posix_spawnattr_init(&attr_);
    sigset_t defaults, none;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

// Our environment with `extra` on top, in our order (new names last).
std::vector<std::string> merged_environment(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::map<std::string, std::string> vars;
  std::vector<std::string> order;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string name = entry.substr(0, eq);
    if (vars.emplace(name, entry.substr(eq + 1)).second) order.push_back(name);
  }
  for (const auto& [name, value] : extra) {
    if (vars.count(name) == 0) order.push_back(name);
    vars[name] = value;
  }
  std::vector<std::string> out;
  out.reserve(order.size());
  for (const auto& name : order) out.push_back(name + "=" + vars[name]);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void append_capped(std::string& to, std::string_view data, std::size_t cap) {
  const std::size_t room = cap > to.size() ? cap - to.size() : 0;
  to.append(data.substr(0, std::min(room, data.size())));
}

void record_status(int status, ProcessResult& result) {
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
}

// Reads stdout and stderr until both close, the time is up or the sink stops.
void pump(int out_fd, int err_fd, Clock::time_point end, const OutputSink& out,
          const ProcessOptions& options, ProcessResult& result) {
  bool out_open = true, err_open = true;
  char buffer[65536];
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      return;
    }
    pollfd fds[2] = {{out_open ? out_fd : -1, POLLIN, 0}, {err_open ? err_fd : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) return;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      const std::string_view chunk(buffer, static_cast<std::size_t>(n));
      if (i == 1) append_capped(result.stderr_text, chunk, options.stderr_cap);
      if ((i == 0 || options.merge_stderr) && out && !out(chunk)) {
        result.stopped_by_sink = true;
        return;
      }
    }
  }
}

// Both pipes closed: the exit follows, still bounded by the timeout (a child may close its
// output and keep running). Kills it (our own child, by pid) when time is up or we stopped.
void reap(pid_t pid, Clock::time_point end, ProcessResult& result) {
  int status = 0;
  while (!result.timed_out && !result.stopped_by_sink) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      record_status(status, result);
      return;
    }
    if (w < 0 && errno != EINTR) return;
    if (Clock::now() >= end) {
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.signal = SIGKILL;
}

}  // namespace

std::string ProcessResult::describe(std::chrono::milliseconds timeout) const {
  if (!spawn_error.empty()) return "could not start: " + spawn_error;
  if (timed_out) return "timed out after " + std::to_string(timeout.count() / 1000) + "s";
  if (stopped_by_sink) return "stopped by the reader";
  std::string last;
  for (const auto& line : split(std::string(trim(stderr_text)), '\n'))
    if (!trim(line).empty()) last = std::string(trim(line));
  const std::string what = signal != 0 ? "killed by signal " + std::to_string(signal)
                                       : "exit code " + std::to_string(exit_code);
  return last.empty() ? what : what + ": " + last;
}

ProcessResult run_process(const std::vector<std::string>& argv, const OutputSink& out,
                          const ProcessOptions& options) {
  ProcessResult result;
  if (argv.empty()) {
    result.spawn_error = "empty command";
    return result;
  }
  const auto end = Clock::now() + options.timeout;
  Pipe out_pipe, err_pipe;
  if (!open_pipe(out_pipe) || !open_pipe(err_pipe)) {
    result.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  SpawnActions actions;
  SpawnAttributes attributes;
  posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), out_pipe.write.get(), 1);
  posix_spawn_file_actions_adddup2(actions.get(), err_pipe.write.get(), 2);
  std::vector<std::string> args(argv);
  std::vector<std::string> env = merged_environment(options.env);
  auto arg_ptrs = pointers(args);
  auto env_ptrs = pointers(env);
  pid_t pid = -1;
  // glibc's posix_spawn reports exec failures (ENOENT, EACCES) as its return value.
  const int rc = ::posix_spawnp(&pid, args[0].c_str(), actions.get(), attributes.get(),
                                arg_ptrs.data(), env_ptrs.data());
  if (rc != 0) {
    result.spawn_error = argv[0] + ": " + std::strerror(rc);
    return result;
  }
  out_pipe.write.reset();
  err_pipe.write.reset();
  pump(out_pipe.read.get(), err_pipe.read.get(), end, out, options, result);
  // Closing our ends first: a child blocked writing to a full pipe gets EPIPE and exits.
  out_pipe.read.reset();
  err_pipe.read.reset();
  reap(pid, end, result);
  return result;
}

ProcessResult run_process_capture(const std::vector<std::string>& argv, std::string& out,
                                  const ProcessOptions& options, std::size_t out_cap) {
  return run_process(
      argv,
      [&out, out_cap](std::string_view chunk) {
        if (out.size() + chunk.size() > out_cap) return false;
        out.append(chunk);
        return true;
      },
      options);
}

std::string find_in_path(const std::string& name, const std::string& path_env) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  for (const auto& dir : split(path_env, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "";
}

}  // namespace kmg
