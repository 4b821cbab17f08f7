// The note the gather writes as the first line of a file it cut (a log longer than --log-limit
// keeps its tail), and how the report recognises it. One definition, so the writer and the
// reader cannot disagree on the words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kmg::bundle {

// Every line the gather adds to a file it copies starts with this; the report skips such lines
// as not being the log's own.
inline constexpr std::string_view kGatherNotePrefix = "# kind-must-gather:";

// "# kind-must-gather: truncated, kept the last <kept> of <total> bytes\n"
std::string truncation_marker(std::uint64_t kept, std::uint64_t total);

// A line (without its newline) the gather added, truncation marker or other.
bool is_gather_note(std::string_view line);
// A line (without its newline, or with it) that says the file was cut.
bool is_truncation_marker(std::string_view line);

}  // namespace kmg::bundle
