#include "bundle/truncation.h"

namespace kmg::bundle {
namespace {

constexpr std::string_view kTruncated = "# kind-must-gather: truncated";

}  // namespace

std::string truncation_marker(std::uint64_t kept, std::uint64_t total) {
  return std::string(kTruncated) + ", kept the last " + std::to_string(kept) + " of " +
         std::to_string(total) + " bytes\n";
}

bool is_gather_note(std::string_view line) { return line.starts_with(kGatherNotePrefix); }

bool is_truncation_marker(std::string_view line) { return line.starts_with(kTruncated); }

}  // namespace kmg::bundle
