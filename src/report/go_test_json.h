// `go test -json` output (cmd/test2json): one event per line with Time, Action (start, run, pause,
// cont, output, pass, fail, skip, bench, build-output, build-fail), Package, Test, Output, Elapsed.
// Subtests are tests named "Parent/child".
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "report/model.h"

namespace kmg::report {

// Reads the events as they come (feed() any chunking of the file, then finish()). Only the tests
// still running keep output, and only its last kGoTestTailLines lines: memory stays flat in the
// file size; a finished test keeps a TestCase.
class GoTestJsonReader {
 public:
  static constexpr std::size_t kGoTestTailLines = 40;
  static constexpr std::size_t kMaxLineBytes = 1 << 20;  // longer lines are not test2json

  GoTestJsonReader(std::string file, TestData& out);
  void feed(std::string_view chunk);
  void finish();

 private:
  struct Running {
    bool started = false;  // a "run" event was seen (output can come without one)
    std::optional<EpochNanos> start;
    std::string partial;           // output not yet ended by a newline
    std::deque<std::string> tail;  // the last kGoTestTailLines lines
  };

  void line(std::string_view raw);
  void event(const nlohmann::json& ev);
  static void output(Running& r, std::string_view text);
  void end(const std::string& pkg, const std::string& test, const std::string& action,
           const nlohmann::json& ev);
  void package_failed(const std::string& pkg, const nlohmann::json& ev);
  TestCase make_case(const std::string& pkg, const std::string& test, const std::string& status,
                     Running& r, const nlohmann::json& ev);

  std::string file_;
  TestData& out_;
  std::string partial_;    // the current line, until its newline
  bool skipping_ = false;  // inside an over-long line
  std::size_t lines_ = 0, bad_lines_ = 0, first_bad_ = 0, events_ = 0;
  std::map<std::pair<std::string, std::string>, Running> running_;  // (package, test)
  std::set<std::pair<std::string, std::string>> failed_;  // failed tests, to explain parents
};

// The same on a whole file.
void add_go_test_json(std::string_view text, const std::string& file, TestData& out);

}  // namespace kmg::report
