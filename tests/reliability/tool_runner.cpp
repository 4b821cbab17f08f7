#include "tool_runner.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle/bundle_reader.h"

extern char** environ;

namespace kmg::reliability {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace

RunResult run_process(const std::vector<std::string>& args, std::chrono::seconds timeout,
                      const std::vector<std::string>& env_overrides) {
  char tmpl[] = "/tmp/kmg-run.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("run_process: mkdtemp failed");
  const std::string dir = tmpl;
  const std::string out_path = dir + "/stdout";
  const std::string err_path = dir + "/stderr";

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

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::filesystem::remove_all(dir);
    throw std::runtime_error("run_process: cannot run " + args[0] + ": " + std::strerror(rc));
  }

  RunResult result;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() - start > timeout) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  std::filesystem::remove_all(dir);
  return result;
}

std::string kmg_exe() {
  if (const char* env = std::getenv("KMG_EXE"); env != nullptr && *env != '\0') return env;
  return KMG_EXE_PATH;
}

RunResult run_kmg(const std::vector<std::string>& args, const std::string& home,
                  std::chrono::seconds timeout) {
  std::vector<std::string> full = {kmg_exe()};
  full.insert(full.end(), args.begin(), args.end());
  return run_process(full, timeout, {"HOME=" + home});
}

std::vector<std::string> tar_entry_names(const std::string& path) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    throw std::runtime_error("cannot open " + path + ": " + archive_error_string(a.get()));
  }
  std::vector<std::string> names;
  archive_entry* entry = nullptr;
  int r = ARCHIVE_OK;
  while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    const char* name = archive_entry_pathname_utf8(entry);
    names.emplace_back(name != nullptr ? name : "");
    archive_read_data_skip(a.get());
  }
  if (r != ARCHIVE_EOF) {
    throw std::runtime_error("reading " + path + ": " + archive_error_string(a.get()));
  }
  return names;
}

std::map<std::string, std::string> read_bundle(const std::string& bundle) {
  std::map<std::string, std::string> files;
  kmg::bundle::visit_bundle(bundle,
                            [&](const std::string& rel, const kmg::bundle::ChunkPull& pull) {
                              files[rel] = kmg::bundle::read_all(pull);
                            });
  return files;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string line_with(const std::string& text, const std::string& needle) {
  const auto at = text.find(needle);
  if (at == std::string::npos) return "";
  const auto begin = text.rfind('\n', at);
  const auto end = text.find('\n', at);
  const auto from = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(from, end == std::string::npos ? std::string::npos : end - from);
}

}  // namespace kmg::reliability
