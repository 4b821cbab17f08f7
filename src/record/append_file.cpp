#include "record/append_file.h"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace kmg::record {

UniqueFd open_append(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  return UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
}

bool AppendFdCache::append(const std::filesystem::path& path, std::string_view data) {
  std::lock_guard lock(mutex_);
  const std::string key = path.string();
  auto it = index_.find(key);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
  } else {
    UniqueFd fd = open_append(path);
    if (!fd) return false;
    while (lru_.size() >= capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    lru_.emplace_front(key, std::move(fd));
    it = index_.emplace(key, lru_.begin()).first;
  }
  return write_all(it->second->second.get(), data);
}

void AppendFdCache::forget(const std::filesystem::path& path) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(path.string());
  if (it == index_.end()) return;
  lru_.erase(it->second);
  index_.erase(it);
}

std::size_t AppendFdCache::open_count() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace kmg::record
