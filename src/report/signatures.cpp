#include "report/signatures.h"

#include <algorithm>

#include <re2/re2.h>

#include "bundle/truncation.h"
#include "util/text.h"

namespace kmg::report {
namespace {

constexpr std::size_t kTailLines = 20;  // LogScanner::ring_ holds as many
constexpr std::size_t kErrorsPerLog = 20;
constexpr std::size_t kNetworkPerLog = 20;
constexpr std::size_t kMaxLine = 2000;
constexpr std::size_t kMaxSignature = 240;
constexpr std::size_t kMaxSample = 400;
constexpr std::size_t kMaxSignatures = 2000;
constexpr std::size_t kMaxCachedMasks = 1024;

// The words that make a line an error ("error", "fail", "fatal", "panic", "exception", "refused",
// "timeout", "denied", "unable to", "cannot"), anywhere, case-insensitively. Scanned by hand:
// this runs on every line of every log (1 GiB in the report benchmark), and a regex search per
// line (RE2 takes a lock for its DFA cache each time) was most of the report's time.
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool word_at(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(text[at + i]) != word[i]) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// klog's "E0204 10:00:00.123" / "F0204 ..." header.
bool klog_error_header(std::string_view t) {
  return t.size() >= 11 && (t[0] == 'E' || t[0] == 'F') && is_digit(t[1]) && is_digit(t[2]) &&
         is_digit(t[3]) && is_digit(t[4]) && t[5] == ' ' && is_digit(t[6]) && is_digit(t[7]) &&
         t[8] == ':' && is_digit(t[9]) && is_digit(t[10]);
}

const RE2& network_re() {
  static const RE2 re(
      R"((?i)(connection refused|no such host|i/o timeout|context deadline exceeded|connection reset by peer|network is unreachable|no route to host))");
  return re;
}

// Keeps the last `cap` lines (the end of a log is where a crash explains itself) as a ring:
// `next` is the oldest once full; unroll_capped puts them back in order.
void push_capped(std::vector<ErrorLine>& v, std::size_t& next, ErrorLine line, std::size_t cap) {
  if (v.size() < cap) {
    v.push_back(std::move(line));
    return;
  }
  v[next] = std::move(line);
  next = (next + 1) % cap;
}

void unroll_capped(std::vector<ErrorLine>& v, std::size_t& next) {
  std::rotate(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(next), v.end());
  next = 0;
}

}  // namespace

bool is_error_line(std::string_view text) {
  if (klog_error_header(text)) return true;
  // Dispatch on the first letter so each position checks at most two words.
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto starts = [&](std::string_view word) { return word_at(text, at, word); };
    switch (lower(text[at])) {
      case 'c':
        if (starts("cannot")) return true;
        break;
      case 'd':
        if (starts("denied")) return true;
        break;
      case 'e':
        if (starts("error") || starts("exception")) return true;
        break;
      case 'f':
        if (starts("fail") || starts("fatal")) return true;
        break;
      case 'p':
        if (starts("panic")) return true;
        break;
      case 'r':
        if (starts("refused")) return true;
        break;
      case 't':
        if (starts("timeout")) return true;
        break;
      case 'u':
        if (starts("unable to")) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

bool is_network_error(std::string_view text) { return RE2::PartialMatch(text, network_re()); }

std::string mask_signature(std::string_view text) {
  static const RE2 ts(
      R"(\d{4}[-/]\d\d[-/]\d\d([T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?)?|\b\d\d:\d\d:\d\d(\.\d+)?)");
  static const RE2 uuid(R"((?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)");
  static const RE2 ip(R"(\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b)");
  static const RE2 pod_suffix(R"(\b([a-z][a-z0-9-]*?)-[a-f0-9]{6,10}-[a-z0-9]{5}\b)");
  static const RE2 hex(R"((?i)\b(0x)?[0-9a-f]{8,}\b)");
  // Digits that start a word ("500ms", "attempt 3"), not digits inside a name ("e2e", "v1").
  static const RE2 num(R"(\b\d+)");
  static const RE2 spaces(R"(\s+)");
  std::string s(text.substr(0, kMaxLine));
  RE2::GlobalReplace(&s, ts, "<time>");
  RE2::GlobalReplace(&s, uuid, "<uuid>");
  RE2::GlobalReplace(&s, ip, "<ip>");
  RE2::GlobalReplace(&s, pod_suffix, "\\1-<pod>");
  RE2::GlobalReplace(&s, hex, "<hex>");
  std::string out = std::move(s);
  RE2::GlobalReplace(&out, num, "<n>");
  RE2::GlobalReplace(&out, spaces, " ");
  std::string trimmed(trim(out));
  if (trimmed.size() > kMaxSignature) trimmed = to_valid_utf8(trimmed.substr(0, kMaxSignature));
  return trimmed;
}

LogScanner::LogScanner(LogInfo& info, std::map<std::string, Signature>& signatures,
                       std::string group)
    : info_(info), signatures_(signatures), group_(std::move(group)) {}

void LogScanner::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    const auto nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() < kMaxLine) partial_.append(chunk.substr(0, kMaxLine - partial_.size()));
      return;
    }
    if (partial_.empty()) {
      line(chunk.substr(0, nl));
    } else {
      if (partial_.size() < kMaxLine) partial_.append(chunk.substr(0, std::min(nl, kMaxLine)));
      line(partial_);
      partial_.clear();
    }
    chunk.remove_prefix(nl + 1);
  }
}

std::string LogScanner::masked(std::string_view text) {
  std::string key(text.substr(0, kMaxLine));
  for (char& c : key) {
    if (is_digit(c)) c = '0';
  }
  if (auto it = masks_.find(key); it != masks_.end()) return it->second;
  // Every mask pattern matches digits whatever their values, so the zeroed line masks like the
  // line itself, unless a digit survives the masking ("v1", "e2e"): then the real line counts.
  std::string sig = mask_signature(key);
  if (std::any_of(sig.begin(), sig.end(), is_digit)) return mask_signature(text);
  if (masks_.size() >= kMaxCachedMasks) masks_.clear();
  masks_.emplace(std::move(key), sig);
  return sig;
}

void LogScanner::finish() {
  if (!partial_.empty()) line(partial_);
  partial_.clear();
  const std::size_t first = (ring_next_ + ring_.size() - ring_size_) % ring_.size();
  for (std::size_t i = 0; i < ring_size_; ++i) {
    if (info_.tail.size() == kTailLines) info_.tail.pop_front();
    info_.tail.push_back(to_valid_utf8(ring_[(first + i) % ring_.size()]));
  }
  ring_size_ = 0;
  unroll_capped(info_.errors, errors_next_);
  unroll_capped(info_.network, network_next_);
}

void LogScanner::line(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  if (raw.size() > kMaxLine) raw = raw.substr(0, kMaxLine);
  if (bundle::is_gather_note(raw)) {
    if (bundle::is_truncation_marker(raw)) info_.truncated = true;
    return;
  }
  ++info_.lines;
  std::optional<EpochNanos> time;
  std::string_view text = raw;
  const auto space = raw.find(' ');
  if (space != std::string_view::npos && space >= 20) {
    time = parse_rfc3339(raw.substr(0, space));
    if (time) text = raw.substr(space + 1);
  }
  ring_[ring_next_].assign(text);
  ring_next_ = (ring_next_ + 1) % ring_.size();
  ring_size_ = std::min(ring_size_ + 1, ring_.size());
  if (!is_error_line(text)) return;
  std::string clean = to_valid_utf8(text);

  ErrorLine err{time, info_.cluster, info_.ns, info_.pod, info_.container, clean, info_.path};
  if (is_network_error(clean)) push_capped(info_.network, network_next_, err, kNetworkPerLog);
  std::string sig = masked(clean);
  // A log full of unique lines must not grow the table without bound.
  if (signatures_.size() >= kMaxSignatures && signatures_.count(sig) == 0) sig = "<other errors>";
  auto& s = signatures_[sig];
  std::string sample =
      clean.size() > kMaxSample ? to_valid_utf8(clean.substr(0, kMaxSample)) : clean;
  // The sample is the earliest line (ties: the smallest text), so it does not depend on the
  // order in which logs are read.
  const bool earlier = s.count == 0 || (time && (!s.first_seen || *time < *s.first_seen)) ||
                       (time == s.first_seen && sample < s.sample);
  if (s.count == 0) s.signature = sig;
  if (earlier) s.sample = std::move(sample);
  ++s.count;
  s.pods.insert(group_);
  if (time) {
    if (!s.first_seen || *time < *s.first_seen) s.first_seen = time;
    if (!s.last_seen || *time > *s.last_seen) s.last_seen = time;
  }
  push_capped(info_.errors, errors_next_, std::move(err), kErrorsPerLog);
}

}  // namespace kmg::report
