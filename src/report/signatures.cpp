#include "report/signatures.h"

#include <re2/re2.h>

#include "util/text.h"

namespace kmg::report {
namespace {

constexpr std::size_t kTailLines = 20;
constexpr std::size_t kErrorsPerLog = 20;
constexpr std::size_t kNetworkPerLog = 20;
constexpr std::size_t kMaxLine = 2000;
constexpr std::size_t kMaxSignature = 240;
constexpr std::size_t kMaxSample = 400;
constexpr std::size_t kMaxSignatures = 2000;
constexpr std::string_view kMarker = "# kind-must-gather:";

const RE2& error_re() {
  static const RE2 re(
      R"((?i)(error|fail|fatal|panic|exception|refused|timeout|denied|unable to|cannot)|^[EF]\d{4} \d\d:\d\d)");
  return re;
}

const RE2& network_re() {
  static const RE2 re(
      R"((?i)(connection refused|no such host|i/o timeout|context deadline exceeded|connection reset by peer|network is unreachable|no route to host))");
  return re;
}

void push_capped(std::vector<ErrorLine>& v, ErrorLine line, std::size_t cap) {
  // Keep the last lines: the end of a log is where a crash explains itself.
  if (v.size() == cap) v.erase(v.begin());
  v.push_back(std::move(line));
}

}  // namespace

bool is_error_line(std::string_view text) { return RE2::PartialMatch(text, error_re()); }

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

void LogScanner::finish() {
  if (!partial_.empty()) line(partial_);
  partial_.clear();
}

void LogScanner::line(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  if (raw.size() > kMaxLine) raw = raw.substr(0, kMaxLine);
  if (raw.substr(0, kMarker.size()) == kMarker) {
    if (raw.find("truncated") != std::string_view::npos) info_.truncated = true;
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
  std::string clean = to_valid_utf8(text);
  if (info_.tail.size() == kTailLines) info_.tail.pop_front();
  info_.tail.push_back(clean);
  if (trim(clean).empty() || !is_error_line(clean)) return;

  ErrorLine err{time, info_.cluster, info_.ns, info_.pod, info_.container, clean, info_.path};
  if (is_network_error(clean)) push_capped(info_.network, err, kNetworkPerLog);
  std::string sig = mask_signature(clean);
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
  push_capped(info_.errors, std::move(err), kErrorsPerLog);
}

}  // namespace kmg::report
