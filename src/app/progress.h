// Progress while gathering: on a terminal one line rewritten in place; in CI a plain line every
// 15 seconds, so a hanging job still shows it is alive.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace kmg::bundle {
class BundleWriter;
class Manifest;
}  // namespace kmg::bundle

namespace kmg::app {

class Progress {
 public:
  Progress(const bundle::Manifest& manifest, const bundle::BundleWriter& writer, bool terminal);
  ~Progress();  // stops and clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  void loop();
  void print() const;

  const bundle::Manifest& manifest_;
  const bundle::BundleWriter& writer_;
  bool terminal_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kmg::app
