#include "fake_apiserver_process.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/errors.h"

extern char** environ;

namespace kmg::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

std::string FakeApiserver::binary_path() {
  if (const char* env = std::getenv("KMG_FAKE_APISERVER"); env != nullptr && *env != '\0') {
    return env;
  }
  return KMG_FAKE_APISERVER_PATH;
}

FakeApiserver FakeApiserver::start(const FakeApiserverOptions& o) {
  FakeApiserver api;
  std::string tmpl = (std::filesystem::temp_directory_path() / "kmg-fakeapi.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw Error("FakeApiserver: mkdtemp failed");
  api.dir_ = tmpl;
  api.kubeconfig_ = api.dir_ + "/kubeconfig";
  api.admin_conf_ = api.dir_ + "/admin.conf";
  const std::string ready = api.dir_ + "/port";
  const std::string log = api.dir_ + "/apiserver.log";

  std::vector<std::string> args = {
      binary_path(),   "--kubeconfig-out", api.kubeconfig_, "--admin-conf-out",
      api.admin_conf_, "--ready-file",     ready,           "--cluster-name",
      o.cluster_name};
  for (const auto& s : o.scenarios) args.insert(args.end(), {"--scenario", s});
  if (!o.synthetic.empty()) args.insert(args.end(), {"--synthetic", o.synthetic});
  if (!o.server_version.empty()) args.insert(args.end(), {"--server-version", o.server_version});
  if (o.latency_ms > 0) args.insert(args.end(), {"--latency-ms", std::to_string(o.latency_ms)});
  if (o.fault_500_rate > 0) {
    args.insert(args.end(), {"--fault-500-rate", number(o.fault_500_rate), "--fault-seed",
                             std::to_string(o.fault_seed)});
  }
  for (const auto& h : o.hang_paths) args.insert(args.end(), {"--hang-path", h});
  if (o.cut_logs_after >= 0) {
    args.insert(args.end(), {"--cut-logs-after", std::to_string(o.cut_logs_after)});
  }
  for (const auto& f : o.forbid) args.insert(args.end(), {"--forbid", f});
  if (o.expire_continue) args.push_back("--expire-continue");
  if (o.throttle_rate > 0) {
    args.insert(args.end(), {"--throttle-rate", number(o.throttle_rate), "--retry-after",
                             std::to_string(o.retry_after)});
  }
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&api.pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    api.pid_ = -1;
    throw Error("FakeApiserver: cannot run " + args[0] + ": " + std::strerror(rc));
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(o.start_timeout_seconds);
  while (true) {
    const std::string port = slurp(ready);
    if (!port.empty() && port.back() == '\n') {
      api.port_ = std::stoi(port);
      return api;
    }
    int status = 0;
    if (waitpid(api.pid_, &status, WNOHANG) == api.pid_) {
      api.pid_ = -1;
      throw Error("FakeApiserver: " + args[0] + " exited before it was ready: " + slurp(log));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error("FakeApiserver: not ready after " + std::to_string(o.start_timeout_seconds) +
                  " s: " + slurp(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

FakeApiserver::FakeApiserver(FakeApiserver&& other) noexcept
    : pid_(other.pid_),
      port_(other.port_),
      dir_(std::move(other.dir_)),
      kubeconfig_(std::move(other.kubeconfig_)),
      admin_conf_(std::move(other.admin_conf_)) {
  other.pid_ = -1;
  other.dir_.clear();
}

FakeApiserver& FakeApiserver::operator=(FakeApiserver&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = other.pid_;
    port_ = other.port_;
    dir_ = std::move(other.dir_);
    kubeconfig_ = std::move(other.kubeconfig_);
    admin_conf_ = std::move(other.admin_conf_);
    other.pid_ = -1;
    other.dir_.clear();
  }
  return *this;
}

FakeApiserver::~FakeApiserver() { stop(); }

std::string FakeApiserver::log() const {
  return dir_.empty() ? "" : slurp(dir_ + "/apiserver.log");
}

int FakeApiserver::wait_exit(int timeout_ms) {
  for (int waited = 0; pid_ > 0 && waited <= timeout_ms; waited += 20) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void FakeApiserver::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    bool gone = false;
    for (int i = 0; i < 250 && !gone; ++i) {
      gone = waitpid(pid_, &status, WNOHANG) == pid_;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!gone) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace kmg::testing
