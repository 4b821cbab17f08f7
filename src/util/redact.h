// Masking secrets in text before it is written anywhere (bundle, report, logs).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
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
  // True for a name whose value is sensitive as a whole (an env var named *PASSWORD*, a ConfigMap
  // key "api_key"...). Names of references are not: "secretName", "tokenPath", "passwordFile".
  // Answers the same whether or not the redactor is enabled.
  bool is_sensitive_key(std::string_view key) const;
  // True for a value that holds no secret whatever its key: empty, a boolean, a placeholder
  // ("<none>", kubectl's "<set to the key ..."), a $VARIABLE, an absolute file path.
  static bool holds_no_secret(std::string_view value);
  std::uint64_t masked_count() const { return masked_.load(std::memory_order_relaxed); }
  void add_masked(std::uint64_t n) const { masked_.fetch_add(n, std::memory_order_relaxed); }

 private:
  friend class LineRedactor;
  // Appends one redacted line (given without its '\n') to `out`; false when the whole line is
  // dropped (inside a PEM private key block). `in_private_key` carries that state across lines.
  bool redact_line(std::string_view line, bool& in_private_key, std::string& out) const;
  // Quick check over many lines at once: false means no line in `text` needs masking (outside a
  // private key block).
  bool may_contain_secret(std::string_view text) const;

  struct Patterns;
  bool enabled_;
  std::unique_ptr<Patterns> patterns_;
  mutable std::atomic<std::uint64_t> masked_{0};
};

// Redacts a stream fed in arbitrary chunks: emits only complete, redacted lines to `sink`, keeps
// the unfinished last line (and whether it is inside a private key block) for the next chunk.
// Memory stays bounded: a line longer than kMaxLine is redacted and emitted in pieces. Not
// thread-safe (one per stream); the Redactor it uses is shared.
class LineRedactor {
 public:
  static constexpr std::size_t kMaxLine = 1 << 20;
  using Sink = std::function<void(std::string_view)>;

  LineRedactor(const Redactor& redactor, Sink sink);
  ~LineRedactor() = default;
  LineRedactor(const LineRedactor&) = delete;
  LineRedactor& operator=(const LineRedactor&) = delete;

  void feed(std::string_view chunk);
  // Emits the last line even without a final newline. Call once at the end of the stream.
  void flush();

 private:
  void emit_lines(std::string_view complete_lines);

  const Redactor& redactor_;
  Sink sink_;
  std::string partial_;
  std::string out_;
  bool in_private_key_ = false;
};

}  // namespace kmg
