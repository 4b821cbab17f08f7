// SIGINT/SIGTERM during a gather: the first cancels the deadline so the gather finishes a partial
// bundle; a second exits at once. Handled on a dedicated thread with sigwait, so no signal
// handler touches shared state.
#pragma once

#include <atomic>
#include <thread>

namespace kmg {
class Deadline;
}

namespace kmg::app {

class SignalGuard {
 public:
  // Blocks SIGINT/SIGTERM in the calling thread (and threads it starts later) and watches them.
  explicit SignalGuard(Deadline& deadline);
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
  bool interrupted() const { return interrupted_.load(); }

 private:
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace kmg::app
