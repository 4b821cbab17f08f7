#include "report/junit.h"

#include <pugixml.hpp>

#include "report/test_results.h"
#include "util/text.h"

namespace kmg::report {
namespace {

// JUnit timestamps are often zone-less ("2026-02-04T10:15:00"); they are UTC in practice.
std::optional<EpochNanos> suite_time(const pugi::xml_node& suite) {
  std::string ts = suite.attribute("timestamp").as_string();
  if (ts.empty()) return std::nullopt;
  if (auto t = parse_rfc3339(ts)) return t;
  return parse_rfc3339(ts + "Z");
}

void add_case(const pugi::xml_node& tc, const std::string& suite, std::optional<EpochNanos> time,
              const std::string& file, TestData& out) {
  TestCase c;
  c.suite = suite;
  c.name = tc.attribute("name").as_string();
  c.classname = tc.attribute("classname").as_string();
  c.seconds = tc.attribute("time").as_double();
  c.time = time;
  if (time) c.end = plus_seconds(*time, c.seconds);
  c.file = file;
  c.status = "passed";
  for (const char* kind : {"failure", "error", "skipped"}) {
    const pugi::xml_node n = tc.child(kind);
    if (!n) continue;
    c.status = std::string(kind) == "failure" ? "failed" : kind;
    std::string msg = n.attribute("message").as_string();
    const std::string body = n.text().as_string();
    if (trim(msg).empty()) msg = body;
    if (trim(msg).empty()) msg = n.attribute("type").as_string();
    c.message = test_message(msg);
    // The body (a stack, a kubectl error) often names the object the one-line message does not.
    if (c.status != "skipped") c.detail = test_detail(msg == body ? msg : msg + "\n" + body);
    break;
  }
  out.cases.push_back(std::move(c));
}

void walk_suite(const pugi::xml_node& suite, const std::string& file, TestData& out) {
  const std::string name = suite.attribute("name").as_string();
  std::optional<EpochNanos> t = suite_time(suite);
  for (const pugi::xml_node& child : suite.children()) {
    const std::string tag = child.name();
    if (tag == "testsuite") {
      walk_suite(child, file, out);
    } else if (tag == "testcase") {
      add_case(child, name, t, file, out);
      // Cases run one after another, so the suite start plus the durations so far places them.
      if (t) t = plus_seconds(*t, child.attribute("time").as_double());
    }
  }
}

}  // namespace

void add_junit(std::string_view xml, const std::string& file, TestData& out) {
  pugi::xml_document doc;
  const pugi::xml_parse_result r = doc.load_buffer(xml.data(), xml.size());
  if (!r) {
    out.parse_errors.push_back(file + ": " + r.description());
    return;
  }
  const pugi::xml_node root = doc.document_element();
  const std::string tag = root.name();
  if (tag != "testsuites" && tag != "testsuite") return;
  out.files.push_back(file);
  if (tag == "testsuite") {
    walk_suite(root, file, out);
  } else {
    for (const pugi::xml_node& s : root.children("testsuite")) walk_suite(s, file, out);
  }
}

}  // namespace kmg::report
