// Low-level appending for the recording: whole lines with one write(2) on O_APPEND descriptors,
// and a bounded cache of open log files. Internal to src/record.
#pragma once

#include <cstddef>
#include <filesystem>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "util/fd.h"

namespace kmg::record {

// Opens `path` for appending (created 0644, parents made). Invalid fd on failure.
UniqueFd open_append(const std::filesystem::path& path);

// Log files kept open for appending, at most `capacity` at once: a container that logs rarely
// must not pin a descriptor for the whole run. Thread-safe.
class AppendFdCache {
 public:
  explicit AppendFdCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  // Appends `data` to `path`, opening it when needed (and closing the least recently used).
  bool append(const std::filesystem::path& path, std::string_view data);
  // Closes `path` if open (before it is renamed, or when its stream ends).
  void forget(const std::filesystem::path& path);
  std::size_t open_count() const;

 private:
  using Entry = std::pair<std::string, UniqueFd>;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace kmg::record
