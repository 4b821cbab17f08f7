// A fixed set of worker threads that run submitted tasks: the bound on requests in flight.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kmg {

class WorkPool {
 public:
  explicit WorkPool(std::size_t workers);
  ~WorkPool();  // waits for queued tasks, then joins
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`. Tasks may submit further tasks. A task that throws is caught and logged: one
  // failure never takes down the gather.
  void submit(std::function<void()> task);
  // Blocks until every task submitted so far (and those they submitted) has finished.
  void wait_idle();
  std::size_t workers() const { return threads_.size(); }

 private:
  void worker_loop();

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kmg
