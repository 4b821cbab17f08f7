#include "report/ginkgo_json.h"

#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/test_results.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

// The last lines of what a spec wrote to GinkgoWriter: the objects it was waiting for are named
// there when the failure message is only "Timed out after 300s".
constexpr std::size_t kWriterTailLines = 20;

std::string text_of(const json& obj, const char* field) {
  const auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

long number_of(const json& obj, const char* field) {
  const auto it = obj.find(field);
  return it != obj.end() && it->is_number_integer() ? it->get<long>() : 0;
}

// Go's zero time.Time ("0001-01-01T00:00:00Z") is how Ginkgo writes "did not run".
std::optional<EpochNanos> go_time(const json& obj, const char* field) {
  const std::string s = text_of(obj, field);
  if (s.empty() || s.starts_with("0001-01-01")) return std::nullopt;
  return parse_rfc3339(s);
}

// Ginkgo's SpecState names; the failure states are those of types.SpecStateFailureStates.
std::string status_of(const std::string& state) {
  if (state == "passed") return "passed";
  if (state == "failed" || state == "panicked" || state == "timedout" || state == "interrupted" ||
      state == "aborted")
    return "failed";
  return "skipped";  // skipped, pending (and "invalid": never ran)
}

// "Describe Context It", as Ginkgo's own FullText(); suite nodes by their type ("[BeforeSuite]").
std::string spec_name(const json& spec) {
  std::vector<std::string> parts;
  const auto it = spec.find("ContainerHierarchyTexts");
  if (it != spec.end() && it->is_array())
    for (const auto& t : *it)
      if (t.is_string() && !t.get<std::string>().empty()) parts.push_back(t.get<std::string>());
  std::string leaf = text_of(spec, "LeafNodeText");
  const std::string type = text_of(spec, "LeafNodeType");
  if (leaf.empty() && !type.empty()) leaf = "[" + type + "]";
  if (!leaf.empty()) parts.push_back(leaf);
  return to_valid_utf8(join(parts, " "));
}

std::string last_lines(std::string_view text, std::size_t n) {
  std::size_t pos = text.size();
  while (pos > 0 && n > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string_view::npos) return std::string(text);
    --n;
  }
  return std::string(text.substr(pos));
}

// The failure message, where it happened, the panic and the end of the spec's own output.
std::string failure_text(const json& spec, const json& failure) {
  std::string text = text_of(failure, "Message");
  const std::string panic = text_of(failure, "ForwardedPanic");
  if (!panic.empty()) text += "\npanic: " + panic;
  const auto loc = failure.find("Location");
  if (loc != failure.end() && loc->is_object() && !text_of(*loc, "FileName").empty())
    text +=
        "\nat " + text_of(*loc, "FileName") + ":" + std::to_string(number_of(*loc, "LineNumber"));
  const std::string node = text_of(failure, "FailureNodeType");
  if (!node.empty() && node != "It") text += "\nin " + node;
  const std::string writer = text_of(spec, "CapturedGinkgoWriterOutput");
  if (!writer.empty()) text += "\n" + last_lines(writer, kWriterTailLines);
  return text;
}

TestCase spec_case(const json& spec, const std::string& file) {
  TestCase c;
  c.name = spec_name(spec);
  c.status = status_of(text_of(spec, "State"));
  c.time = go_time(spec, "StartTime");
  c.end = go_time(spec, "EndTime");
  if (const auto rt = spec.find("RunTime"); rt != spec.end() && rt->is_number())
    c.seconds = rt->get<double>() / 1e9;
  if (!c.end && c.time) c.end = plus_seconds(*c.time, c.seconds);
  c.file = file;
  const auto failure = spec.find("Failure");
  if (failure != spec.end() && failure->is_object()) {
    c.message = test_message(text_of(*failure, "Message"));
    if (c.status == "failed") c.detail = test_detail(failure_text(spec, *failure));
  }
  if (c.status == "failed" && c.message.empty()) c.message = "spec " + text_of(spec, "State");
  return c;
}

// Takes each spec as the parser completes it (and drops it from the document), so a truncated
// report keeps every spec before the damage. Ginkgo writes SuiteDescription before SpecReports.
class Reader {
 public:
  Reader(const std::string& file, int suite_depth) : file_(file), suite_depth_(suite_depth) {}

  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == suite_depth_ + 1) {
      key_ = parsed.is_string() ? parsed.get<std::string>() : "";
      if (key_ == "SpecReports" || key_ == "SuiteDescription") is_suite_ = true;
    } else if (event == json::parse_event_t::value && depth == suite_depth_ + 1 &&
               key_ == "SuiteDescription" && parsed.is_string()) {
      suite_ = parsed.get<std::string>();
    } else if (event == json::parse_event_t::object_end && depth == suite_depth_ + 2 &&
               key_ == "SpecReports") {
      pending_.push_back(spec_case(parsed, file_));
      return false;
    } else if (event == json::parse_event_t::object_end && depth == suite_depth_) {
      if (is_suite_) ++suites_;
      flush();
      return suite_depth_ != 0;  // a lone report object is the document itself
    }
    return true;
  }

  // Specs of the suite being read get its name (also when the report stops inside it).
  void flush() {
    for (auto& c : pending_) {
      c.suite = to_valid_utf8(suite_);
      c.classname = c.suite;
      cases_.push_back(std::move(c));
    }
    pending_.clear();
    suite_.clear();
    key_.clear();
    is_suite_ = false;
  }

  std::vector<TestCase> cases_;
  std::size_t suites_ = 0;

 private:
  const std::string& file_;
  int suite_depth_;
  std::string key_, suite_;
  bool is_suite_ = false;
  std::vector<TestCase> pending_;
};

}  // namespace

void add_ginkgo_json(std::string_view text, const std::string& file, TestData& out) {
  const std::size_t first = text.find_first_of("[{");
  if (first == std::string_view::npos) return;
  Reader reader(file, text[first] == '[' ? 1 : 0);
  const json::parser_callback_t cb = [&reader](int depth, json::parse_event_t event, json& parsed) {
    return reader(depth, event, parsed);
  };
  const json doc = json::parse(text, cb, false);
  reader.flush();
  if (doc.is_discarded())
    out.parse_errors.push_back(file + ": Ginkgo JSON report is truncated or invalid; kept the " +
                               std::to_string(reader.cases_.size()) + " specs before the damage");
  if (reader.cases_.empty() && reader.suites_ == 0) return;
  out.files.push_back(file);
  for (auto& c : reader.cases_) out.cases.push_back(std::move(c));
}

}  // namespace kmg::report
