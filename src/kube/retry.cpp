#include "kube/retry.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "util/deadline.h"
#include "util/text.h"

namespace kmg::kube {

bool is_retryable(const Response& r) {
  if (!r.error.empty()) return r.status == 0 && r.transient;
  switch (r.status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::optional<std::chrono::milliseconds> parse_retry_after(const Response& r) {
  auto it = r.headers.find("retry-after");
  if (it == r.headers.end()) return std::nullopt;
  const auto value = trim(it->second);
  if (value.empty() || value.size() > 9) return std::nullopt;
  long seconds = 0;
  for (char c : value) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::milliseconds(seconds * 1000);
}

std::optional<std::chrono::milliseconds> retry_delay(const Response& r, int attempt,
                                                     const RetryPolicy& policy, double jitter) {
  if (attempt >= policy.max_attempts || !is_retryable(r)) return std::nullopt;
  if (auto after = parse_retry_after(r)) return std::min(*after, policy.max_retry_after);
  // base * 2^(attempt-1), computed in doubles so large attempt numbers cannot overflow.
  const double exp = static_cast<double>(policy.base_delay.count()) *
                     static_cast<double>(1ULL << std::min(attempt - 1, 30));
  const double capped = std::min(exp, static_cast<double>(policy.max_delay.count()));
  const double j = std::clamp(jitter, 0.0, 1.0);
  // "Equal jitter": at least half the delay so retries keep backing off, the rest random so
  // many workers hit by the same 429 do not come back in lockstep.
  return std::chrono::milliseconds(static_cast<long long>(capped * (0.5 + 0.5 * j)));
}

RetryingKubeApi::RetryingKubeApi(KubeApi& inner, RetryPolicy policy, const Deadline* deadline)
    : inner_(inner), policy_(policy), deadline_(deadline), random_(std::random_device{}()) {}

long RetryingKubeApi::retries() const {
  std::lock_guard lock(mutex_);
  return retries_;
}

double RetryingKubeApi::next_jitter() {
  std::lock_guard lock(mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

bool RetryingKubeApi::wait(std::chrono::milliseconds delay) const {
  using Clock = std::chrono::steady_clock;
  if (deadline_ != nullptr && deadline_->remaining() <= delay) return false;
  const auto end = Clock::now() + delay;
  // Short naps so a cancelled gather does not wait out a long Retry-After.
  while (Clock::now() < end) {
    if (deadline_ != nullptr && deadline_->expired()) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
  }
  return true;
}

template <typename Attempt>
Response RetryingKubeApi::run(const Attempt& attempt) {
  for (int n = 1;; ++n) {
    Response r = attempt();
    auto delay = retry_delay(r, n, policy_, next_jitter());
    if (!delay || !wait(*delay)) return r;
    std::lock_guard lock(mutex_);
    ++retries_;
  }
}

Response RetryingKubeApi::get(const std::string& path) {
  return run([&] { return inner_.get(path); });
}

Response RetryingKubeApi::stream(const std::string& path, const ChunkSink& sink) {
  bool delivered = false;
  const ChunkSink tracking = [&](std::string_view chunk) {
    delivered = true;
    return sink(chunk);
  };
  for (int n = 1;; ++n) {
    Response r = inner_.stream(path, tracking);
    if (delivered) return r;
    auto delay = retry_delay(r, n, policy_, next_jitter());
    if (!delay || !wait(*delay)) return r;
    std::lock_guard lock(mutex_);
    ++retries_;
  }
}

}  // namespace kmg::kube
