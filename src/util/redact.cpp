#include "util/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include <re2/re2.h>
#include <re2/set.h>

#include "util/errors.h"

namespace kmg {
namespace {

// The key words that make a key=value pair secret. Shared by the pair rule and is_sensitive_key.
constexpr const char* kSecretWords =
    "(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    "client[_-]?secret|credential)";

enum class Kind { kWhole, kPair };

struct RuleSpec {
  Kind kind;
  std::string pattern;
  int group;  // the submatch that is the secret (kWhole) or the value (kPair)
};

std::vector<RuleSpec> rule_specs() {
  const std::string key_chars = "[A-Za-z0-9_.-]*";
  return {
      // JWTs: header and payload are base64url JSON objects, so both start with "eyJ".
      {Kind::kWhole, R"((eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*))", 1},
      // AWS access key ids (long-term AKIA, temporary ASIA).
      {Kind::kWhole, R"(\b((?:AKIA|ASIA)[A-Z0-9]{16})\b)", 1},
      // GitHub tokens: classic ghp_/gho_/ghu_/ghs_/ghr_ and fine-grained github_pat_.
      {Kind::kWhole, R"(\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b)", 1},
      // Slack tokens.
      {Kind::kWhole, R"(\b(xox[abposr]-[A-Za-z0-9-]{10,}))", 1},
      // "Authorization: Bearer <token>", "bearer <token>"; 8+ characters so prose such as
      // "bearer token" is left alone.
      {Kind::kWhole, R"((?i)\bbearer\s+([A-Za-z0-9._~+/-]{8,}=*))", 1},
      {Kind::kWhole, R"((?i)\bauthorization\s*[:=]\s*"?basic\s+([A-Za-z0-9+/]{4,}=*))", 1},
      // scheme://user:password@host: the user stays, the password goes.
      {Kind::kWhole, R"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:([^\s@/]+)@)", 1},
      // key=value, key: value, "key":"value", \"key\":\"value\" (JSON inside a JSON string).
      // The key starts a word and is not a URL path segment: in
      // `Get "http://svc/v1/token": dial tcp ...` the "token" is a path, and "dial" no secret.
      {Kind::kPair,
       "(?i)(?:^|[^/A-Za-z0-9_.-])(" + key_chars + kSecretWords + key_chars +
           R"()(?:\\?")?\s*[:=]\s*(\\"[^"\\]*\\"|"[^"]*"|'[^']*'|[^\s,;&"'}\]]+))",
       2},
  };
}

constexpr const char* kPemBegin = R"(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)";
constexpr const char* kPemEnd = R"(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)";

std::string lower_alnum(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Keys that name a secret without holding one: "secretName: db-creds", "tokenPath: /var/run/...",
// "tokenExpirationSeconds: 3607", "max_tokens: 512", $PWD (the working directory).
bool names_not_holds(std::string_view key) {
  const std::string k = lower_alnum(key);
  if (k == "pwd" || k == "oldpwd") return true;
  static constexpr std::array<std::string_view, 28> kSuffixes = {
      "name",    "names",      "ref",     "file",     "files",     "path",    "dir",
      "seconds", "type",       "mode",    "count",    "length",    "size",    "ttl",
      "expiry",  "expiration", "expires", "kind",     "namespace", "version", "id",
      "ids",     "url",        "uri",     "endpoint", "tokens",    "enabled", "format"};
  return std::any_of(kSuffixes.begin(), kSuffixes.end(),
                     [&](std::string_view suffix) { return ends_with(k, suffix); });
}

// Values that are clearly not secrets: empty, booleans, placeholders, YAML block markers,
// variable references, or already masked. "<set" starts kubectl describe's
// "DB_PASSWORD:  <set to the key 'password' in secret 'db'>": which Secret key feeds the variable,
// not its value, and worth keeping.
// An absolute path of two components or more, of path characters only: where a secret is kept
// (GOOGLE_APPLICATION_CREDENTIALS=/credentials/cloud), not the secret.
bool absolute_path(std::string_view value) {
  if (value.size() < 4 || value.front() != '/' || value.back() == '/') return false;
  if (std::count(value.begin(), value.end(), '/') < 2) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' ||
           c == '-';
  });
}

// $(VAR) (Kubernetes), ${VAR} or $VAR (shell): the value comes from elsewhere. "$ecr3t!" is not.
bool variable_reference(std::string_view value) {
  if (value.size() < 2 || value.front() != '$') return false;
  if (value[1] == '(' || value[1] == '{') return true;
  return std::all_of(value.begin() + 1, value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool harmless_value(std::string_view value) {
  if (value.empty() || value.find("REDACTED") != std::string_view::npos) return true;
  if (variable_reference(value) || absolute_path(value)) return true;
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::array<std::string_view, 19> kHarmless = {
      "true", "false", "null", "none", "nil", "~",  "<none>", "<unset>", "<nil>", "<set",
      "[]",   "{}",    "|",    "|-",   ">",   ">-", "{",      "[",       "\"\""};
  return std::find(kHarmless.begin(), kHarmless.end(), v) != kHarmless.end();
}

}  // namespace

struct Redactor::Patterns {
  struct Rule {
    Kind kind;
    std::unique_ptr<RE2> re;
    int group;
  };
  std::vector<Rule> rules;
  std::unique_ptr<RE2::Set> any;  // every rule plus the PEM header: one pass tells if work is due
  RE2 pem_begin{kPemBegin};
  RE2 pem_end{kPemEnd};
  RE2 secret_word{std::string("(?i)") + kSecretWords};

  Patterns() {
    RE2::Options options;
    options.set_max_mem(64 << 20);
    any = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (auto& spec : rule_specs()) {
      auto re = std::make_unique<RE2>(spec.pattern, options);
      std::string error;
      if (!re->ok() || any->Add(spec.pattern, &error) < 0) {
        throw Error("redaction pattern " + spec.pattern + ": " + re->error() + error);
      }
      rules.push_back({spec.kind, std::move(re), spec.group});
    }
    std::string error;
    if (any->Add(kPemBegin, &error) < 0 || !any->Compile() || !pem_begin.ok() || !pem_end.ok()) {
      throw Error("redaction patterns do not compile: " + error);
    }
  }

  // Which rules can match `text`; all of them if the set ran out of memory (never skip masking).
  std::vector<int> candidates(std::string_view text) const {
    std::vector<int> hits;
    RE2::Set::ErrorInfo info{};
    if (!any->Match(text, &hits, &info) && info.kind != RE2::Set::kNoError) {
      hits.clear();
      for (int i = 0; i <= static_cast<int>(rules.size()); ++i) hits.push_back(i);
    }
    std::sort(hits.begin(), hits.end());
    return hits;
  }
};

Redactor::Redactor(bool enabled) : enabled_(enabled), patterns_(std::make_unique<Patterns>()) {}
Redactor::~Redactor() = default;

bool Redactor::may_contain_secret(std::string_view text) const {
  return !patterns_->candidates(text).empty();
}

namespace {

// Applies one rule to `text`, masking each secret; returns how many were masked.
std::uint64_t apply_rule(const RE2& re, Kind kind, int group, std::string& text) {
  std::array<re2::StringPiece, 4> m;
  const int n = group + 1;
  std::string out;
  std::size_t pos = 0;
  std::size_t copied = 0;
  std::uint64_t count = 0;
  while (pos <= text.size() && re.Match(text, pos, text.size(), RE2::UNANCHORED, m.data(), n)) {
    const auto match_end = static_cast<std::size_t>(m[0].data() - text.data()) + m[0].size();
    pos = m[0].empty() ? match_end + 1 : match_end;
    std::size_t a = static_cast<std::size_t>(m[group].data() - text.data());
    std::size_t b = a + m[group].size();
    if (kind == Kind::kPair) {
      std::string_view value(m[group].data(), m[group].size());
      // Keep the quotes around a quoted value; mask what is inside.
      const std::size_t quote = value.substr(0, 2) == "\\\""                      ? 2
                                : (value.front() == '"' || value.front() == '\'') ? 1
                                                                                  : 0;
      if (quote > 0 && value.size() >= 2 * quote) {
        a += quote;
        b -= quote;
        value = value.substr(quote, value.size() - 2 * quote);
      }
      if (names_not_holds(std::string_view(m[1].data(), m[1].size())) || harmless_value(value)) {
        continue;
      }
    } else if (std::string_view(m[group].data(), m[group].size()) == Redactor::kMask) {
      continue;
    }
    out.append(text, copied, a - copied);
    out += Redactor::kMask;
    copied = b;
    ++count;
  }
  if (count > 0) {
    out.append(text, copied, std::string::npos);
    text = std::move(out);
  }
  return count;
}

bool find(const RE2& re, std::string_view text, std::size_t from, std::size_t& begin,
          std::size_t& end) {
  re2::StringPiece m;
  if (from > text.size() || !re.Match(re2::StringPiece(text.data(), text.size()), from, text.size(),
                                      RE2::UNANCHORED, &m, 1)) {
    return false;
  }
  begin = static_cast<std::size_t>(m.data() - text.data());
  end = begin + m.size();
  return true;
}

}  // namespace

bool Redactor::redact_line(std::string_view line, bool& in_private_key, std::string& out) const {
  const auto& p = *patterns_;
  std::size_t begin = 0;
  std::size_t end = 0;
  if (in_private_key) {
    // Key material is dropped line by line until the END marker; the mask was written at BEGIN.
    if (!find(p.pem_end, line, 0, begin, end)) return false;
    in_private_key = false;
    line.remove_prefix(begin);
  }
  std::string work;
  std::size_t pos = 0;
  while (find(p.pem_begin, line, pos, begin, end)) {
    work.append(line.substr(pos, end - pos));
    add_masked(1);
    std::size_t end_begin = 0;
    std::size_t end_end = 0;
    if (find(p.pem_end, line, end, end_begin, end_end)) {  // a whole key on one line ("\n" escaped)
      work += kMask;
      pos = end_begin;  // the END marker is kept; later BEGINs on the line are handled too
      continue;
    }
    in_private_key = true;
    const bool only_header = line.find_first_not_of(" \t\r", end) == std::string_view::npos;
    work += only_header ? "\n" + std::string(kMask) : std::string(kMask);
    pos = line.size();
  }
  work.append(line.substr(std::min(pos, line.size())));

  for (int index : p.candidates(work)) {
    if (index >= static_cast<int>(p.rules.size())) continue;  // the PEM header, handled above
    const auto& rule = p.rules[static_cast<std::size_t>(index)];
    if (const auto n = apply_rule(*rule.re, rule.kind, rule.group, work)) add_masked(n);
  }
  out += work;
  return true;
}

std::string Redactor::redact(std::string_view text) const {
  if (!enabled_ || !may_contain_secret(text)) return std::string(text);
  std::string out;
  out.reserve(text.size());
  bool in_private_key = false;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    const auto stop = nl == std::string_view::npos ? text.size() : nl;
    const bool kept = redact_line(text.substr(start, stop - start), in_private_key, out);
    if (kept && nl != std::string_view::npos) out += '\n';
    start = stop + 1;
  }
  return out;
}

bool Redactor::holds_no_secret(std::string_view value) { return harmless_value(value); }

bool Redactor::is_sensitive_key(std::string_view key) const {
  return RE2::PartialMatch(re2::StringPiece(key.data(), key.size()), patterns_->secret_word) &&
         !names_not_holds(key);
}

LineRedactor::LineRedactor(const Redactor& redactor, Sink sink)
    : redactor_(redactor), sink_(std::move(sink)) {}

void LineRedactor::emit_lines(std::string_view complete_lines) {
  // Most chunks of a log hold no secret: one pass of the pattern set, then a plain copy.
  if (!in_private_key_ && !redactor_.may_contain_secret(complete_lines)) {
    out_.append(complete_lines);
    return;
  }
  std::size_t start = 0;
  while (start < complete_lines.size()) {
    const auto nl = complete_lines.find('\n', start);
    const auto stop = nl == std::string_view::npos ? complete_lines.size() : nl;
    if (redactor_.redact_line(complete_lines.substr(start, stop - start), in_private_key_, out_) &&
        nl != std::string_view::npos) {
      out_ += '\n';
    }
    start = stop + 1;
  }
}

void LineRedactor::feed(std::string_view chunk) {
  if (!redactor_.enabled()) {
    if (!chunk.empty()) sink_(chunk);
    return;
  }
  out_.clear();
  if (!partial_.empty()) {
    const auto nl = chunk.find('\n');
    const std::size_t take = nl == std::string_view::npos ? chunk.size() : nl + 1;
    const std::size_t room = LineRedactor::kMaxLine - partial_.size();
    if (take > room) {
      // The line is too long to keep whole: redact and emit what we have as a piece of it.
      partial_.append(chunk.substr(0, room));
      chunk.remove_prefix(room);
      emit_lines(partial_);
      partial_.clear();
    } else {
      partial_.append(chunk.substr(0, take));
      chunk.remove_prefix(take);
      if (nl != std::string_view::npos) {
        emit_lines(partial_);
        partial_.clear();
      }
    }
  }
  // Everything up to the last newline is whole lines; the rest waits for the next chunk.
  while (!chunk.empty()) {
    const auto last_nl = chunk.rfind('\n');
    if (last_nl != std::string_view::npos && partial_.empty()) {
      emit_lines(chunk.substr(0, last_nl + 1));
      chunk.remove_prefix(last_nl + 1);
      continue;
    }
    const std::size_t room = LineRedactor::kMaxLine - partial_.size();
    if (chunk.size() < room) {
      partial_.append(chunk);
      break;
    }
    partial_.append(chunk.substr(0, room));
    chunk.remove_prefix(room);
    emit_lines(partial_);
    partial_.clear();
  }
  if (!out_.empty()) sink_(out_);
}

void LineRedactor::flush() {
  if (partial_.empty()) return;
  out_.clear();
  emit_lines(partial_);
  partial_.clear();
  if (!out_.empty()) sink_(out_);
}

}  // namespace kmg
