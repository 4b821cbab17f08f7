#include "kube/kube_api.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace kmg::kube {

namespace {

constexpr std::size_t kMaxDescribedLine = 300;

// Reason phrases for replies whose body says nothing (a proxy's empty 502, a bare 401).
const char* reason_phrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// Cuts `line` to the cap without splitting a UTF-8 sequence.
std::string cap_line(std::string_view line) {
  if (line.size() <= kMaxDescribedLine) return to_valid_utf8(line);
  std::size_t cut = kMaxDescribedLine;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return to_valid_utf8(line.substr(0, cut)) + "...";
}

std::string first_line(std::string_view body) {
  for (const auto& line : split(body, '\n')) {
    auto t = trim(line);
    if (!t.empty()) return cap_line(t);
  }
  return {};
}

// "NotFound: pods \"x\" not found" from a Kubernetes Status, or nullopt when `body` is not one.
std::optional<std::string> describe_status(const std::string& body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  auto kind = doc.find("kind");
  if (kind == doc.end() || !kind->is_string() || kind->get<std::string>() != "Status") {
    return std::nullopt;
  }
  std::string reason;
  std::string message;
  if (auto r = doc.find("reason"); r != doc.end() && r->is_string()) reason = r->get<std::string>();
  if (auto m = doc.find("message"); m != doc.end() && m->is_string()) {
    message = first_line(m->get<std::string>());
  }
  if (reason.empty() && message.empty()) return std::nullopt;
  if (reason.empty()) return ": " + message;
  if (message.empty()) return " " + reason;
  return " " + reason + ": " + message;
}

}  // namespace

std::string Response::describe() const {
  if (!error.empty()) {
    // A reply that started fine and then failed (a cut stream) still says which status it had.
    if (status != 0) return std::to_string(status) + ": " + error;
    return error;
  }
  const std::string code = std::to_string(status);
  if (ok()) return code + " OK";
  if (auto s = describe_status(body)) return code + *s;
  if (auto line = first_line(body); !line.empty()) return code + ": " + line;
  const std::string phrase = reason_phrase(status);
  if (!phrase.empty()) return code + " " + phrase;
  return code;
}

}  // namespace kmg::kube
