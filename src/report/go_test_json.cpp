#include "report/go_test_json.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "report/test_results.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxKeptLine = 1024;  // a kept output line is cut here

std::string text_of(const json& obj, const char* field) {
  const auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The lines the testing package frames a test with carry no message.
bool framing(std::string_view line) {
  line = trim(line);
  for (std::string_view p : {"=== RUN", "=== PAUSE", "=== CONT", "=== NAME",
                             "--- FAIL:", "--- PASS:", "--- SKIP:", "PASS", "FAIL", "ok  "})
    if (line.starts_with(p)) return true;
  return line.empty();
}

// t.Errorf's "    foo_test.go:42: message": the last such line says what failed (t.Fatal ends
// the test; t.Log lines come before it); a panic or the first other line when there is none.
std::string pick_message(const std::deque<std::string>& tail) {
  for (auto it = tail.rbegin(); it != tail.rend(); ++it) {
    const std::string& l = *it;
    const std::string_view t = trim(l);
    const std::size_t colon = t.find(".go:");
    if (colon != std::string_view::npos && !framing(t) && t.find(": ", colon) != std::string::npos)
      return std::string(t);
  }
  for (const auto& l : tail)
    if (trim(l).starts_with("panic: ")) return std::string(trim(l));
  for (const auto& l : tail)
    if (!framing(l)) return std::string(trim(l));
  return "";
}

std::string joined(const std::deque<std::string>& tail) {
  std::string out;
  for (const auto& l : tail)
    if (!framing(l)) out += l + "\n";
  return out;
}

// "TestA/sub/case" is a subtest of "TestA/sub" and of "TestA".
bool is_subtest_of(const std::string& child, const std::string& parent) {
  return child.size() > parent.size() + 1 && child.starts_with(parent) &&
         child[parent.size()] == '/';
}

}  // namespace

GoTestJsonReader::GoTestJsonReader(std::string file, TestData& out)
    : file_(std::move(file)), out_(out) {}

void GoTestJsonReader::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    const std::size_t nl = chunk.find('\n');
    const std::string_view piece = chunk.substr(0, nl);
    if (!skipping_) partial_.append(piece);
    if (partial_.size() > kMaxLineBytes) {
      partial_.clear();
      skipping_ = true;  // not test2json: dropped up to its newline, counted as bad
    }
    if (nl == std::string_view::npos) return;
    ++lines_;
    if (skipping_) {
      if (bad_lines_++ == 0) first_bad_ = lines_;
    } else {
      line(partial_);
    }
    partial_.clear();
    skipping_ = false;
    chunk.remove_prefix(nl + 1);
  }
}

void GoTestJsonReader::line(std::string_view raw) {
  const std::string_view t = trim(raw);
  // go test -json 2>&1 mixes in the go command's own lines ("# pkg", "FAIL pkg [build failed]").
  if (t.empty() || t[0] != '{') return;
  const json ev = json::parse(t, nullptr, false);
  if (!ev.is_object() || !ev.contains("Action")) {
    if (bad_lines_++ == 0) first_bad_ = lines_;
    return;
  }
  ++events_;
  event(ev);
}

void GoTestJsonReader::output(Running& r, std::string_view text) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    if (r.partial.size() < kMaxKeptLine)
      r.partial.append(text.substr(0, std::min(nl, kMaxKeptLine - r.partial.size())));
    if (nl == std::string_view::npos) return;
    if (r.tail.size() == kGoTestTailLines) r.tail.pop_front();
    r.tail.push_back(to_valid_utf8(r.partial));
    r.partial.clear();
    text.remove_prefix(nl + 1);
  }
}

void GoTestJsonReader::event(const json& ev) {
  const std::string action = text_of(ev, "Action");
  std::string pkg = text_of(ev, "Package");
  // Go 1.24 reports build output by ImportPath ("pkg [pkg.test]") before the package runs.
  if (pkg.empty()) pkg = text_of(ev, "ImportPath").substr(0, text_of(ev, "ImportPath").find(' '));
  const std::string test = text_of(ev, "Test");
  const auto key = std::make_pair(pkg, test);
  if (action == "run" || action == "start") {
    Running& r = running_[key];
    r.started = true;
    r.start = parse_rfc3339(text_of(ev, "Time"));
  } else if (action == "output" || action == "build-output") {
    output(running_[key], text_of(ev, "Output"));
  } else if (action == "pass" || action == "fail" || action == "skip") {
    end(pkg, test, action, ev);
  }
}

TestCase GoTestJsonReader::make_case(const std::string& pkg, const std::string& test,
                                     const std::string& status, Running& r, const json& ev) {
  if (!r.partial.empty()) output(r, "\n");
  TestCase c;
  c.suite = to_valid_utf8(pkg);
  c.classname = c.suite;
  c.name = to_valid_utf8(test.empty() ? pkg : test);
  c.status = status;
  c.file = file_;
  if (const auto it = ev.find("Elapsed"); it != ev.end() && it->is_number())
    c.seconds = it->get<double>();
  c.end = parse_rfc3339(text_of(ev, "Time"));
  c.time = r.start;
  if (!c.time && c.end) c.time = plus_seconds(*c.end, -c.seconds);
  if (status != "passed") {
    c.message = test_message(pick_message(r.tail));
    if (status == "failed") {
      std::string text = joined(r.tail);
      // The end says what failed: what goes over the cap goes from the front.
      if (text.size() > kTestDetailCap) text.erase(0, text.size() - kTestDetailCap);
      c.detail = test_detail(text);
    }
  }
  return c;
}

void GoTestJsonReader::end(const std::string& pkg, const std::string& test,
                           const std::string& action, const json& ev) {
  Running& r = running_[{pkg, test}];
  if (test.empty()) {
    // The package's own result: a failure no test accounts for (build failure, a panic outside
    // a test, a timeout) becomes a case; tests cut off by it did not finish.
    if (action == "fail") package_failed(pkg, ev);
    // Nothing of the package is needed any more (late output of finished tests included).
    std::erase_if(running_, [&](const auto& kv) { return kv.first.first == pkg; });
    return;
  }
  const std::string status = action == "pass" ? "passed" : action == "fail" ? "failed" : "skipped";
  TestCase c = make_case(pkg, test, status, r, ev);
  if (status == "failed") {
    std::vector<std::string> subtests;
    for (const auto& [p, t] : failed_)
      if (p == pkg && is_subtest_of(t, test)) subtests.push_back(t);
    if (!subtests.empty() && c.message.empty())
      c.message = "subtests failed: " + join(subtests, ", ");
    failed_.insert({pkg, test});
  }
  out_.cases.push_back(std::move(c));
  running_.erase({pkg, test});
}

void GoTestJsonReader::package_failed(const std::string& pkg, const json& ev) {
  bool any_failed =
      std::any_of(failed_.begin(), failed_.end(), [&](const auto& f) { return f.first == pkg; });
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->first.first != pkg || it->first.second.empty() || !it->second.started) {
      ++it;
      continue;
    }
    TestCase c = make_case(pkg, it->first.second, "failed", it->second, ev);
    if (c.message.empty()) c.message = "did not finish: the package failed";
    out_.cases.push_back(std::move(c));
    failed_.insert(it->first);
    any_failed = true;
    it = running_.erase(it);
  }
  if (any_failed) return;
  TestCase c = make_case(pkg, "", "failed", running_[{pkg, ""}], ev);
  if (c.message.empty()) c.message = "package failed: " + text_of(ev, "FailedBuild");
  out_.cases.push_back(std::move(c));
}

void GoTestJsonReader::finish() {
  if (!partial_.empty() && !skipping_) {
    ++lines_;
    line(partial_);  // a last line without its newline (or cut short: counted bad)
  }
  if (events_ == 0) {
    out_.parse_errors.push_back(file_ + ": no go test -json events");
    return;
  }
  out_.files.push_back(file_);
  if (bad_lines_ > 0)
    out_.parse_errors.push_back(file_ + ": " + std::to_string(bad_lines_) +
                                " lines are not test2json events (first: line " +
                                std::to_string(first_bad_) + ", truncated?)");
  std::vector<std::string> unfinished;
  std::size_t count = 0;
  for (const auto& [key, r] : running_) {
    if (key.second.empty() || !r.started) continue;
    if (++count <= 5) unfinished.push_back(key.second);
  }
  if (count > unfinished.size()) unfinished.push_back("...");
  if (count > 0)
    out_.parse_errors.push_back(file_ + ": ended before the result of " + std::to_string(count) +
                                " tests (" + join(unfinished, ", ") + "; truncated?)");
}

void add_go_test_json(std::string_view text, const std::string& file, TestData& out) {
  GoTestJsonReader reader(file, out);
  reader.feed(text);
  reader.finish();
}

}  // namespace kmg::report
