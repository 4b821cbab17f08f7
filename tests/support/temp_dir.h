// A temporary folder per test, removed when the test passes.
#pragma once

#include <string>

namespace kmg::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to `relative` (parents created) and returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::string path_;
};

// Reads a whole file; throws std::runtime_error if it cannot.
std::string read_file(const std::string& path);
// $KMG_SOURCE_ROOT (set by meson test) or the current folder.
std::string source_root();
// ../shared next to the source tree ($KMG_SHARED_DIR).
std::string shared_dir();
// $KMG_BUILD_ROOT.
std::string build_root();

}  // namespace kmg::testing
