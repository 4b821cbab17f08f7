// Deadline and cancellation shared by every part of a gather. Passed in, never global.
#pragma once

#include <atomic>
#include <chrono>

namespace kmg {

// A point in time after which work should stop, plus a flag set by a signal handler (or a test)
// to stop early. Thread-safe; copy the pointer, not the object.
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Deadline(std::chrono::milliseconds budget) : end_(Clock::now() + budget) {}

  bool expired() const { return cancelled() || Clock::now() >= end_; }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }

  // Time left, never negative; zero once cancelled.
  std::chrono::milliseconds remaining() const {
    if (cancelled()) return std::chrono::milliseconds(0);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - Clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
  }

 private:
  Clock::time_point end_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace kmg
