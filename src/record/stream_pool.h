// The threads of one cluster's recorder: each long-lived stream (a watch, a followed log) runs on
// its own thread with a blocking request, at most `max` at once; further tasks wait in a queue.
// Threads start on demand and end when the queue is empty, so an idle cluster holds few.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace kmg::record {

// Set once by stop(); sleeps end early when it is.
class StopSignal {
 public:
  void trigger();
  bool triggered() const;
  // Waits `d` unless stopped first; false when stopped.
  bool sleep_for(std::chrono::milliseconds d) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  bool stopped_ = false;
};

class StreamPool {
 public:
  explicit StreamPool(std::size_t max) : max_(max == 0 ? 1 : max) {}
  ~StreamPool() { stop_and_join(); }
  StreamPool(const StreamPool&) = delete;
  StreamPool& operator=(const StreamPool&) = delete;

  // Runs `task` on a thread of its own when fewer than `max` run, else queues it. Ignored after
  // stop_and_join(). A task that throws is caught and logged.
  void submit(std::function<void()> task);
  // Drops queued tasks and joins every thread (the running tasks must end on their own: the
  // caller cancels their requests first).
  void stop_and_join();
  std::size_t running() const;

 private:
  void worker(std::list<std::thread>::iterator self, std::function<void()> task);
  void reap_locked(std::vector<std::thread>& out);

  const std::size_t max_;
  mutable std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
  std::list<std::thread> threads_;
  std::vector<std::list<std::thread>::iterator> finished_;
  std::size_t running_ = 0;
  bool stopping_ = false;
};

}  // namespace kmg::record
