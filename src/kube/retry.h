// Retries for the requests kubectl would retry: 429 (honouring Retry-After) and transient
// failures (500/502/503/504, dropped or refused connections), with exponential backoff and
// jitter, a bounded number of attempts, and never past the gather's deadline.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include "kube/kube_api.h"

namespace kmg {
class Deadline;
}

namespace kmg::kube {

struct RetryPolicy {
  int max_attempts = 5;                       // first try included
  std::chrono::milliseconds base_delay{200};  // before the 2nd attempt
  std::chrono::milliseconds max_delay{std::chrono::seconds(5)};
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(10)};  // cap on Retry-After
};

// Whether `r` is worth another attempt.
bool is_retryable(const Response& r);

// Retry-After in whole seconds ("3"), nullopt when absent or not a number (HTTP dates are
// ignored: the API server only sends seconds).
std::optional<std::chrono::milliseconds> parse_retry_after(const Response& r);

// How long to wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed with
// `r`: Retry-After when given (capped), else base * 2^(attempt-1) capped at max_delay, scaled by
// `jitter` in [0, 1) to a point between half and all of it. nullopt: do not retry.
std::optional<std::chrono::milliseconds> retry_delay(const Response& r, int attempt,
                                                     const RetryPolicy& policy, double jitter);

class RetryingKubeApi final : public KubeApi {
 public:
  RetryingKubeApi(KubeApi& inner, RetryPolicy policy = {}, const Deadline* deadline = nullptr);

  Response get(const std::string& path) override;
  // Retried only while nothing was handed to `sink`: a half-delivered body cannot be taken back.
  Response stream(const std::string& path, const ChunkSink& sink) override;
  std::string endpoint() const override { return inner_.endpoint(); }

  // Retries made so far (attempts beyond the first), for the manifest.
  long retries() const;

 private:
  template <typename Attempt>
  Response run(const Attempt& attempt);
  double next_jitter();
  // Sleeps `delay` unless the deadline comes first; false when it did.
  bool wait(std::chrono::milliseconds delay) const;

  KubeApi& inner_;
  RetryPolicy policy_;
  const Deadline* deadline_;
  mutable std::mutex mutex_;
  std::minstd_rand random_;
  long retries_ = 0;
};

}  // namespace kmg::kube
