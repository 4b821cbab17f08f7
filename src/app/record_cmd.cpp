// `kind-must-gather record`: a flight recorder for a test run. It starts at once (printing its pid
// and recording folder), follows the clusters that appear and disappear, records each reachable
// one, and on stop takes a normal gather with the recording merged (record_finish.cpp).
//
// Stops: SIGTERM/SIGINT or the end of --duration (this process then gathers), or SIGUSR2 from
// `record --stop` (this process only writes stopped.json and exits; the stopper gathers, so the
// gather's output and exit code belong to the step that stops the recorder).
#include "app/record_cmd.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/targets.h"
#include "bundle/bundle_writer.h"
#include "kube/http_client.h"
#include "record/cluster_recorder.h"
#include "record/cluster_tracker.h"
#include "record/recording_writer.h"
#include "util/errors.h"
#include "util/redact.h"
#include "util/text.h"

namespace kmg::app {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The stop reason of a hand-over to `record --stop` (SIGUSR2).
constexpr const char* kHandOver = "record --stop";

// SIGINT/SIGTERM/SIGUSR2 watched by a sigwait thread (as app/signals.h does): no handler touches
// shared state, the loop reads which signal came.
class StopSignals {
 public:
  StopSignals() {
    const sigset_t set = watched();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    watcher_ = std::thread([this, set] {
      int number = 0;
      while (sigwait(&set, &number) == 0) {
        if (done_.load()) return;
        if (number == SIGUSR1) continue;
        // A second signal while the recorders stop (one stuck on a dead server): exit now; the
        // recording stays complete up to its last line for `record --finish`.
        if (signal_.exchange(number) != 0) {
          static constexpr char msg[] = "kind-must-gather: second signal, exiting now\n";
          (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
          ::_exit(128 + number);
        }
      }
    });
  }
  ~StopSignals() {
    done_.store(true);
    pthread_kill(watcher_.native_handle(), SIGUSR1);
    watcher_.join();
    const sigset_t set = watched();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  int received() const { return signal_.load(); }

 private:
  static sigset_t watched() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
    return set;
  }
  std::atomic<int> signal_{0};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

struct Recording {
  fs::path output;  // absolute: `record --stop` may run elsewhere
  fs::path dir;
  EpochNanos started = 0;
};

// A cluster answers when /version does, quickly: a probe must not hold up the poll loop.
std::string probe(const discovery::ClusterTarget& target) {
  if (!target.problems.empty()) return join(target.problems, "; ");
  if (!target.rest) return "no credentials";
  kube::HttpOptions http;
  http.request_timeout = std::chrono::seconds(5);
  http.connect_timeout = std::chrono::seconds(5);
  try {
    kube::CurlKubeApi api(*target.rest, http);
    const auto response = api.get("/version");
    return response.ok() ? "" : response.describe();
  } catch (const std::exception& e) {  // credentials libcurl refuses (a malformed key)
    return e.what();
  }
}

void write_pid_file(const std::string& path, const fs::path& dir) {
  if (path.empty()) return;
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << ::getpid() << "\n" << dir.string() << "\n";
    if (!out) throw Error("cannot write pid file " + temp);
  }
  fs::rename(temp, path);
}

nlohmann::json stopped_json(const Recording& r, const record::RecordingWriter& writer,
                            const record::ClusterTracker& tracker, std::string_view reason) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  const auto stats = writer.stats();
  return {{"stopped_at", format_rfc3339(now_nanos())},
          {"reason", reason},
          {"wall_seconds", (now_nanos() - r.started) / 1e9},
          {"cpu_user_seconds", seconds(usage.ru_utime)},
          {"cpu_system_seconds", seconds(usage.ru_stime)},
          {"peak_rss_bytes", static_cast<std::uint64_t>(usage.ru_maxrss) * 1024},
          {"stats",
           {{"object_lines", stats.object_lines},
            {"log_bytes", stats.log_bytes},
            {"log_bytes_dropped", stats.log_bytes_dropped},
            {"log_streams", stats.log_streams}}},
          {"clusters", tracker.stats()}};
}

// Sleeps until the next poll; the stop reason, or "" to poll again.
std::string wait_next_poll(const StopSignals& signals, Clock::time_point poll_at,
                           std::optional<Clock::time_point> end) {
  for (;;) {
    if (const int s = signals.received(); s != 0) return s == SIGUSR2 ? kHandOver : strsignal(s);
    const auto now = Clock::now();
    if (end && now >= *end) return "--duration elapsed";
    if (now >= poll_at) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Polls discovery until a stop; returns why it stopped.
std::string record_loop(const RecordOptions& o, record::ClusterTracker& tracker,
                        const StopSignals& signals) {
  const auto start = Clock::now();
  std::optional<Clock::time_point> end;
  if (o.duration_seconds > 0) end = start + std::chrono::seconds(o.duration_seconds);
  std::vector<std::string> last_errors;
  for (;;) {
    const auto poll_at = Clock::now() + std::chrono::seconds(o.poll_interval_seconds);
    FoundTargets found = find_targets(o.collect.selection);
    if (found.errors != last_errors)  // once, not every poll
      for (const auto& error : found.errors) spdlog::error("{}", error);
    last_errors = found.errors;
    tracker.update(found.targets);
    if (auto reason = wait_next_poll(signals, poll_at, end); !reason.empty()) return reason;
  }
}

// Records until stopped; returns the stop reason ("" when the recording could not start).
std::string record_until_stopped(const RecordOptions& o, const Recording& r,
                                 const std::string& command_line) {
  const StopSignals signals;  // before any thread starts, so every thread blocks them
  const Redactor redactor(o.collect.redact);
  std::unique_ptr<record::RecordingWriter> writer;
  try {
    writer =
        record::make_recording_writer(r.dir, {.log_limit_bytes = o.collect.gather.log_limit_bytes});
    record::write_json_file(record::paths::recording_json(r.dir),
                            {{"format", record::kFormat},
                             {"started_at", format_rfc3339(r.started)},
                             {"pid", ::getpid()},
                             {"output", r.output.string()},
                             {"command_line", redactor.redact(command_line)},
                             {"selection", selection_to_json(o.collect.selection)}});
    write_pid_file(o.pid_file, r.dir);
  } catch (const std::exception& e) {
    spdlog::error("cannot start recording: {}", e.what());
    return "";
  }
  std::cout << "recording: pid " << ::getpid() << ", folder " << r.dir.string() << std::endl;

  record::RecorderOptions recorder_options;
  recorder_options.log_limit_bytes = o.collect.gather.log_limit_bytes;
  recorder_options.request_timeout =
      std::chrono::seconds(o.collect.selection.request_timeout_seconds);
  record::ClusterTracker tracker(*writer, probe, [&](const discovery::ClusterTarget& target) {
    return record::make_cluster_recorder(target, *writer, redactor, recorder_options);
  });
  const std::string reason = record_loop(o, tracker, signals);
  spdlog::info("recording stops: {}", reason);
  tracker.stop_all();
  try {
    record::write_json_file(r.dir / "stopped.json", stopped_json(r, *writer, tracker, reason));
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
  // After a hand-over the stopper removes the pid file once it has read it.
  std::error_code ec;
  if (!o.pid_file.empty() && reason != kHandOver) fs::remove(o.pid_file, ec);
  return reason;
}

// A pid file left by an earlier recorder does not count.
bool pid_file_names(const std::string& path, pid_t pid) {
  std::ifstream in(path);
  pid_t read = 0;
  return (in >> read) && read == pid;
}

// The child records; the parent returns once the child's recording.json is there (or it failed).
int start_in_background(const RecordOptions& o, const Recording& r,
                        const std::string& command_line) {
  std::cout.flush();
  const pid_t child = ::fork();
  if (child < 0) throw Error(std::string("fork: ") + std::strerror(errno));
  if (child == 0) {
    ::setsid();
    std::error_code ec;
    fs::create_directories(r.dir, ec);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int log_fd =
        ::open((r.dir / "recorder.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    const std::string reason = record_until_stopped(o, r, command_line);
    int code = reason.empty() ? kExitNothing : kExitComplete;
    if (!reason.empty() && reason != kHandOver) code = finish_recording(r.dir, o.collect);
    std::cout.flush();
    ::_exit(code);
  }
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < give_up) {
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      spdlog::error("the recorder exited at once; see {}", (r.dir / "recorder.log").string());
      return kExitNothing;
    }
    std::ifstream in(record::paths::recording_json(r.dir));
    const auto info = nlohmann::json::parse(in, nullptr, false);
    if (info.is_object() && info.value("pid", 0) == child &&
        (o.pid_file.empty() || pid_file_names(o.pid_file, child))) {
      std::cout << "recording: pid " << child << ", folder " << r.dir.string() << std::endl;
      return kExitComplete;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  spdlog::error("the recorder did not start within 30s; see {}", (r.dir / "recorder.log").string());
  return kExitNothing;
}

int start_recording(const RecordOptions& o) {
  Recording r;
  r.started = now_nanos();
  r.output =
      fs::absolute(bundle::plan_output(o.collect.output, format_compact_utc(r.started)).path);
  r.dir = record::paths::recording_dir_for(r.output);
  if (fs::exists(record::paths::recording_json(r.dir))) {
    spdlog::error(
        "{} holds a recording already: turn it into a bundle with `record --finish {}` "
        "or remove it",
        r.dir.string(), r.dir.string());
    return kExitNothing;
  }
  if (o.background) return start_in_background(o, r, o.collect.command_line);
  const std::string reason = record_until_stopped(o, r, o.collect.command_line);
  if (reason.empty()) return kExitNothing;
  if (reason == kHandOver) return kExitComplete;  // the stopper gathers
  CollectOptions collect = o.collect;
  collect.output = r.output.string();
  return finish_recording(r.dir, collect);
}

}  // namespace

int run_record(const RecordOptions& options) {
  try {
    if (options.stop) return stop_recorder(options);
    if (!options.finish_dir.empty()) {
      const fs::path dir = options.finish_dir;
      CollectOptions collect = options.collect;
      std::ifstream in(record::paths::recording_json(dir));
      const auto info = nlohmann::json::parse(in, nullptr, false);
      collect.selection = choose_selection(
          collect.selection,
          info.is_object() ? info.value("selection", nlohmann::json()) : nlohmann::json());
      return finish_recording(dir, collect);
    }
    return start_recording(options);
  } catch (const std::exception& e) {
    spdlog::error("record: {}", e.what());
    return kExitNothing;
  }
}

}  // namespace kmg::app
