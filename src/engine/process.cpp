#include "engine/process.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/text.h"

namespace kmg::engine {
namespace {

using Clock = std::chrono::steady_clock;

// Closes a file descriptor once; -1 means nothing to close.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

void append_capped(std::string& to, std::string_view data, std::size_t cap) {
  const std::size_t room = cap > to.size() ? cap - to.size() : 0;
  to.append(data.substr(0, std::min(room, data.size())));
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

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

ProcessResult run_process(const std::vector<std::string>& argv, const ChunkSink& out,
                          const ProcessOptions& options) {
  ProcessResult result;
  if (argv.empty()) {
    result.spawn_error = "empty command";
    return result;
  }
  Fd out_r, out_w, err_r, err_w, in_r, in_w, exec_r, exec_w;
  if (!make_pipe(out_r, out_w) || !make_pipe(err_r, err_w) || !make_pipe(in_r, in_w) ||
      !make_pipe(exec_r, exec_w)) {
    result.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) {
    result.spawn_error = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. The exec pipe reports exec's errno.
    ::dup2(in_r.get(), 0);
    ::dup2(out_w.get(), 1);
    ::dup2(err_w.get(), 2);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    const int err = errno;
    [[maybe_unused]] auto n = ::write(exec_w.get(), &err, sizeof(err));
    ::_exit(127);
  }
  out_w.reset();
  err_w.reset();
  in_r.reset();
  exec_w.reset();

  int exec_errno = 0;
  if (::read(exec_r.get(), &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno)) {
    wait_exit_code(pid);
    result.spawn_error = argv[0] + ": " + std::strerror(exec_errno);
    return result;
  }
  exec_r.reset();

  // The child reads EOF on stdin: these tools never need input.
  in_w.reset();

  const auto end = Clock::now() + options.timeout;
  bool out_open = true, err_open = true, killed = false;
  char buffer[65536];
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_r.get() : -1, POLLIN, 0},
                     {err_open ? err_r.get() : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      const std::string_view chunk(buffer, static_cast<std::size_t>(n));
      if (i == 1) append_capped(result.stderr_text, chunk, options.stderr_cap);
      if ((i == 0 || options.merge_stderr) && out && !out(chunk)) {
        result.stopped_by_sink = true;
        out_open = err_open = false;
      }
    }
  }
  if (result.timed_out || result.stopped_by_sink) {
    ::kill(pid, SIGKILL);
    killed = true;
  }
  result.exit_code = wait_exit_code(pid);
  if (killed && result.timed_out) result.exit_code = -1;
  return result;
}

ProcessResult run_process_capture(const std::vector<std::string>& argv, std::string& out,
                                  const ProcessOptions& options) {
  return run_process(
      argv,
      [&out](std::string_view chunk) {
        out.append(chunk);
        return true;
      },
      options);
}

}  // namespace kmg::engine
