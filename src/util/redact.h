// Masking secrets in text before it is written anywhere (bundle, report, logs).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kmg {

// Masks bearer tokens, passwords in URLs and in key=value / key: value pairs, PEM private keys,
// JWTs, and cloud access keys. Thread-safe; counts what it masked so REPORT.md can say so.
// One Redactor per gather, shared by every collector.
class Redactor {
 public:
  static constexpr std::string_view kMask = "***REDACTED***";

  explicit Redactor(bool enabled = true);
  ~Redactor();
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  bool enabled() const { return enabled_; }
  // Returns `text` with every secret replaced by kMask. Works line by line, so it can be fed a
  // stream in chunks that end at line boundaries (see LineRedactor in bundle/).
  std::string redact(std::string_view text) const;
  // Masks a value that is known to be sensitive as a whole (an env var named *PASSWORD*, ...).
  bool is_sensitive_key(std::string_view key) const;
  std::uint64_t masked_count() const { return masked_.load(std::memory_order_relaxed); }
  void add_masked(std::uint64_t n) const { masked_.fetch_add(n, std::memory_order_relaxed); }

 private:
  struct Patterns;
  bool enabled_;
  std::unique_ptr<Patterns> patterns_;
  mutable std::atomic<std::uint64_t> masked_{0};
};

}  // namespace kmg
