#include "child_process.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "temp_dir.h"

extern char** environ;

namespace kmg::reliability {
namespace {

// The parent's environment minus what would make the tool find or publish to something outside
// the test (a real kubeconfig, a GitHub job summary), plus the overrides.
std::vector<std::string> child_env(const std::vector<std::string>& overrides) {
  const std::vector<std::string> dropped = {"KUBECONFIG=", "HOME=", "GITHUB_ACTIONS=",
                                            "GITHUB_STEP_SUMMARY=", "KIND_EXPERIMENTAL_PROVIDER="};
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    bool drop = false;
    for (const auto& d : dropped) drop = drop || entry.rfind(d, 0) == 0;
    if (!drop) env.push_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& args,
                           const std::vector<std::string>& env_overrides) {
  char tmpl[] = "/tmp/kmg-child.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("ChildProcess: mkdtemp failed");
  dir_ = tmpl;
  const std::string out_path = dir_ + "/stdout";
  const std::string err_path = dir_ + "/stderr";

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> argv_storage = args;
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = child_env(env_overrides);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("ChildProcess: cannot run " + args.at(0) + ": " + std::strerror(rc));
  }
}

ChildProcess::~ChildProcess() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    reap(true);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool ChildProcess::reap(bool block) {
  if (exited_) return true;
  int status = 0;
  if (waitpid(pid_, &status, block ? 0 : WNOHANG) != pid_) return false;
  exited_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return true;
}

void ChildProcess::send(int signal_number) const {
  if (!exited_) kill(pid_, signal_number);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() > until) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_code_;
}

bool ChildProcess::wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (err().find(needle) != std::string::npos) return true;
    if (reap(false)) return err().find(needle) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string ChildProcess::out() const { return kmg::testing::read_file(dir_ + "/stdout"); }
std::string ChildProcess::err() const { return kmg::testing::read_file(dir_ + "/stderr"); }

}  // namespace kmg::reliability
