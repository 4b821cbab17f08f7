#include "app/progress.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "bundle/bundle_writer.h"
#include "bundle/manifest.h"
#include "util/text.h"

namespace kmg::app {

Progress::Progress(const bundle::Manifest& manifest, const bundle::BundleWriter& writer,
                   bool terminal)
    : manifest_(manifest), writer_(writer), terminal_(terminal), thread_([this] { loop(); }) {}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
  if (terminal_) std::fputs("\r\033[K", stderr);
}

void Progress::loop() {
  const auto period = terminal_ ? std::chrono::milliseconds(500) : std::chrono::seconds(15);
  std::unique_lock lock(mutex_);
  while (!stop_.wait_for(lock, period, [this] { return stopping_; })) print();
}

void Progress::print() const {
  const auto record = manifest_.record();
  std::uint64_t requests = 0, failures = 0;
  const std::size_t clusters = record.clusters.size();
  for (const auto& [name, cluster] : record.clusters) {
    for (const auto& [collector, stats] : cluster.collectors) {
      requests += stats.requests;
      failures += stats.failures;
    }
  }
  const std::string line = "gathering: " + std::to_string(clusters) + " cluster(s), " +
                           std::to_string(requests) + " requests (" + std::to_string(failures) +
                           " failed), " + human_bytes(writer_.bytes_written()) + " written";
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace kmg::app
