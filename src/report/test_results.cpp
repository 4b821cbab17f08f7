#include "report/test_results.h"

#include "report/ginkgo_json.h"
#include "report/go_test_json.h"
#include "report/junit.h"
#include "util/text.h"

namespace kmg::report {
namespace {

// Enough of a file to tell the formats apart: test2json's first event, a Ginkgo report's suite
// fields (they precede SpecReports), a JUnit root element after an XML prolog and comments.
constexpr std::size_t kHeadBytes = 8 * 1024;

std::string_view skip_bom_and_space(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
    s.remove_prefix(1);
  return s;
}

// test2json writes one object per line, each with an "Action".
bool is_test2json(std::string_view s) {
  const std::string_view first = s.substr(0, s.find('\n'));
  const auto j = nlohmann::json::parse(first, nullptr, false);
  if (j.is_object()) return j.contains("Action") && j["Action"].is_string();
  // A first line longer than the head: fall back on the field name.
  return first.size() == s.size() && s.find("\"Action\"") != std::string_view::npos;
}

}  // namespace

TestFormat detect_test_format(std::string_view head) {
  const std::string_view s = skip_bom_and_space(head);
  if (s.empty()) return TestFormat::none;
  if (s[0] == '<') {
    return s.find("<testsuite") != std::string_view::npos ? TestFormat::junit : TestFormat::none;
  }
  if (s[0] == '{' && is_test2json(s)) return TestFormat::go_test_json;
  if ((s[0] == '[' || s[0] == '{') && (s.find("\"SpecReports\"") != std::string_view::npos ||
                                       s.find("\"SuiteDescription\"") != std::string_view::npos))
    return TestFormat::ginkgo_json;
  return TestFormat::none;
}

std::uint64_t add_test_results(const std::string& file, const bundle::ChunkPull& pull,
                               TestData& out) {
  std::string head;
  std::string_view chunk;
  bool more = true;
  while (head.size() < kHeadBytes && (more = pull(chunk))) head.append(chunk);
  std::uint64_t n = head.size();
  const TestFormat format = detect_test_format(head);
  if (format == TestFormat::go_test_json) {
    GoTestJsonReader reader(file, out);
    reader.feed(head);
    while (more && (more = pull(chunk))) {
      n += chunk.size();
      reader.feed(chunk);
    }
    reader.finish();
    return n;
  }
  // Other formats are read whole; what is no test result is only counted.
  while (more && (more = pull(chunk))) {
    n += chunk.size();
    if (format != TestFormat::none) head.append(chunk);
  }
  if (format == TestFormat::junit) add_junit(head, file, out);
  if (format == TestFormat::ginkgo_json) add_ginkgo_json(head, file, out);
  return n;
}

void add_test_results(std::string_view content, const std::string& file, TestData& out) {
  bool given = false;
  add_test_results(
      file,
      [&](std::string_view& chunk) {
        if (given) return false;
        chunk = content;
        given = true;
        return true;
      },
      out);
}

std::string test_message(std::string_view text) {
  for (const auto& line : split(text, '\n')) {
    const std::string_view t = trim(line);
    if (!t.empty()) return to_valid_utf8(t);
  }
  return "";
}

std::string test_detail(std::string_view text) {
  text = trim(text);
  if (text.size() > kTestDetailCap) text = text.substr(0, kTestDetailCap);
  return to_valid_utf8(text);
}

std::optional<EpochNanos> plus_seconds(EpochNanos t, double seconds) {
  constexpr double kYear = 366.0 * 24 * 3600;
  if (!(seconds >= -kYear && seconds <= kYear)) return std::nullopt;  // NaN fails both
  EpochNanos out = 0;
  if (__builtin_add_overflow(t, static_cast<EpochNanos>(seconds * 1e9), &out)) return std::nullopt;
  return out;
}

}  // namespace kmg::report
