// Test results attached to a bundle: JUnit XML, Ginkgo v2's JSON report (`--json-report`) and
// `go test -json` (test2json events). The format is read from the content, never the file name,
// so an attachment folder can hold any of them under any name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bundle/bundle_reader.h"
#include "report/model.h"

namespace kmg::report {

// A failed test's whole text is kept up to this size: enough for the objects it names, bounded
// for a suite whose every test dumps a page of output.
inline constexpr std::size_t kTestDetailCap = 16 * 1024;

enum class TestFormat { none, junit, ginkgo_json, go_test_json };

// The format of a file from its first bytes (a few KiB are enough).
TestFormat detect_test_format(std::string_view head);

// Adds the tests of one attachment to `out`, streaming it: `go test -json` is read line by line
// and keeps only the tail of the running tests' output, so memory does not grow with the file.
// A file that is no test result adds nothing; a damaged one adds what it could read and a parse
// error naming the file. Returns the bytes read.
std::uint64_t add_test_results(const std::string& file, const bundle::ChunkPull& pull,
                               TestData& out);

// The same on a whole file in memory (tests, fuzzer).
void add_test_results(std::string_view content, const std::string& file, TestData& out);

// Shared by the readers: the first non-empty line of a failure text (the table's message), and
// the text capped to kTestDetailCap (the detail mentions are read from), both valid UTF-8.
std::string test_message(std::string_view text);
std::string test_detail(std::string_view text);

// `t` moved by a duration in seconds as a result file gives it: NaN, or more than a year either
// way (a damaged file), gives nothing rather than an overflow.
std::optional<EpochNanos> plus_seconds(EpochNanos t, double seconds);

}  // namespace kmg::report
