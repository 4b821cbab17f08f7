#include "tool_runner.h"

#include <csignal>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>

#include <archive.h>
#include <archive_entry.h>

#include "bundle/bundle_reader.h"
#include "child_process.h"

namespace kmg::reliability {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace

RunResult run_process(const std::vector<std::string>& args, std::chrono::seconds timeout,
                      const std::vector<std::string>& env_overrides) {
  const auto start = std::chrono::steady_clock::now();
  ChildProcess child(args, env_overrides);
  RunResult result;
  std::optional<int> exit_code = child.wait_for(timeout);
  if (!exit_code) {
    result.timed_out = true;
    child.send(SIGKILL);
    exit_code = child.wait_for(std::chrono::hours(1));  // SIGKILL cannot be ignored
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  result.exit_code = exit_code.value_or(-1);
  result.out = child.out();
  result.err = child.err();
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
