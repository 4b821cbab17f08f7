// GitHub Actions workflow commands: "::error title=T::message". Data escapes % CR LF; property
// values also escape ':' and ',' (actions/toolkit core/src/command.ts escapeData/escapeProperty).
#include "report/render.h"

namespace kmg::report {
namespace {

constexpr std::size_t kMaxAnnotations = 10;

}  // namespace

std::string annotation_data(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '%')
      out += "%25";
    else if (ch == '\r')
      out += "%0D";
    else if (ch == '\n')
      out += "%0A";
    else
      out += ch;
  }
  return out;
}

std::string annotation_property(std::string_view s) {
  std::string out;
  for (char ch : annotation_data(s)) {
    if (ch == ':')
      out += "%3A";
    else if (ch == ',')
      out += "%2C";
    else
      out += ch;
  }
  return out;
}

std::vector<std::string> github_annotations(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& f : a.findings) {
    if (out.size() == kMaxAnnotations) break;
    if (f.severity == Severity::info) continue;
    const char* level = f.severity == Severity::warning ? "warning" : "error";
    std::string message = f.object.display() + ": " + f.cause;
    if (!f.next_step.empty()) message += "\nNext step: " + f.next_step;
    out.push_back(std::string("::") + level + " title=" + annotation_property(f.title) +
                  "::" + annotation_data(message));
  }
  return out;
}

}  // namespace kmg::report
