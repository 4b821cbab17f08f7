#include "record/stream_pool.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace kmg::record {

void StopSignal::trigger() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::triggered() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}

bool StopSignal::sleep_for(std::chrono::milliseconds d) const {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [this] { return stopped_; });
}

void StreamPool::submit(std::function<void()> task) {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    reap_locked(done);
    if (running_ >= max_) {
      queue_.push_back(std::move(task));
    } else {
      ++running_;
      threads_.emplace_front();
      auto self = threads_.begin();
      *self =
          std::thread([this, self, t = std::move(task)]() mutable { worker(self, std::move(t)); });
    }
  }
  for (auto& t : done) t.join();
}

void StreamPool::worker(std::list<std::thread>::iterator self, std::function<void()> task) {
  while (task) {
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::warn("recorder task failed: {}", e.what());
    }
    std::lock_guard lock(mutex_);
    task = nullptr;
    if (!stopping_ && !queue_.empty()) {
      task = std::move(queue_.front());
      queue_.pop_front();
    }
  }
  std::lock_guard lock(mutex_);
  --running_;
  finished_.push_back(self);
}

// Moves the threads that have finished out of the list, to be joined without the lock.
void StreamPool::reap_locked(std::vector<std::thread>& out) {
  for (auto it : finished_) {
    out.push_back(std::move(*it));
    threads_.erase(it);
  }
  finished_.clear();
}

void StreamPool::stop_and_join() {
  std::list<std::thread> all;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
    finished_.clear();
    all.swap(threads_);
  }
  for (auto& t : all) {
    if (t.joinable()) t.join();
  }
}

std::size_t StreamPool::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

}  // namespace kmg::record
