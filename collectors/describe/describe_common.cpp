#include "collectors/describe/describe_common.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <vector>

#include "collectors/describe/json_access.h"
#include "util/text.h"

namespace kmg::describe::detail {
namespace {

namespace ja = json_access;
using nlohmann::json;

constexpr std::size_t kMaxAnnotationLen = 140;

// Sorted string map from a JSON object; non-string values keep their JSON text.
std::map<std::string, std::string> string_map(const json& obj) {
  std::map<std::string, std::string> out;
  if (!obj.is_object()) return out;
  for (const auto& [k, v] : obj.items()) out[k] = ja::text(v);
  return out;
}

std::string shorten(const std::string& s, std::size_t max) {
  return s.size() > max ? s.substr(0, max) + "..." : s;
}

}  // namespace

std::string rfc1123z(std::optional<EpochNanos> t) {
  if (!t) return "Mon, 01 Jan 0001 00:00:00 +0000";
  std::int64_t seconds = *t / 1'000'000'000;
  if (*t < 0 && *t % 1'000'000'000 != 0) --seconds;
  const auto tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) return "Mon, 01 Jan 0001 00:00:00 +0000";
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string rfc1123z(const json& timestamp) { return rfc1123z(ja::time_of(timestamp)); }

void print_labels(PrefixWriter& w, const std::string& title, const json& labels) {
  w.write(0, title + ":\t");
  const auto sorted = string_map(labels);
  if (sorted.empty()) {
    w.write(0, "<none>\n");
    return;
  }
  bool first = true;
  for (const auto& [k, v] : sorted) {
    if (!first) w.write(0, "\t");
    first = false;
    w.write(0, k + "=" + v + "\n");
  }
}

void print_annotations(PrefixWriter& w, const std::string& title, const json& annotations) {
  w.write(0, title + ":\t");
  auto sorted = string_map(annotations);
  sorted.erase("kubectl.kubernetes.io/last-applied-configuration");
  if (sorted.empty()) {
    w.write(0, "<none>\n");
    return;
  }
  bool first = true;
  for (const auto& [key, raw] : sorted) {
    if (!first) w.write(0, "\t");
    first = false;
    std::string value = raw;
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (value.size() + key.size() + 2 > kMaxAnnotationLen ||
        value.find('\n') != std::string::npos) {
      w.write(0, key + ":\n");
      for (const std::string& line : split(value, '\n')) {
        w.write(0, "\t  " + shorten(line, kMaxAnnotationLen - 2) + "\n");
      }
    } else {
      w.write(0, key + ": " + value + "\n");
    }
  }
}

void print_tolerations(PrefixWriter& w, const std::string& title, const json& list) {
  w.write(0, title + ":\t");
  std::vector<const json*> items;
  for (const json& t : ja::arr(list)) {
    if (t.is_object()) items.push_back(&t);
  }
  if (items.empty()) {
    w.write(0, "<none>\n");
    return;
  }
  std::stable_sort(items.begin(), items.end(), [](const json* a, const json* b) {
    return ja::str(*a, "key") < ja::str(*b, "key");
  });
  bool first = true;
  for (const json* t : items) {
    if (!first) w.write(0, "\t");
    first = false;
    const std::string key = ja::str(*t, "key");
    const std::string value = ja::str(*t, "value");
    const std::string effect = ja::str(*t, "effect");
    std::string line = key;
    if (!value.empty()) line += "=" + value;
    if (!effect.empty()) line += ":" + effect;
    // An Exists toleration with no key and no effect tolerates everything: "op=Exists".
    if (ja::str(*t, "operator") == "Exists" && value.empty()) {
      line += (!key.empty() || !effect.empty()) ? " op=Exists" : "op=Exists";
    }
    if (auto seconds = ja::int_of(ja::at(*t, "tolerationSeconds"))) {
      line += " for " + std::to_string(*seconds) + "s";
    }
    w.write(0, line + "\n");
  }
}

void print_taints(PrefixWriter& w, const std::string& title, const json& list) {
  w.write(0, title + ":\t");
  std::vector<const json*> items;
  for (const json& t : ja::arr(list)) {
    if (t.is_object()) items.push_back(&t);
  }
  if (items.empty()) {
    w.write(0, "<none>\n");
    return;
  }
  std::stable_sort(items.begin(), items.end(), [](const json* a, const json* b) {
    return ja::str(*a, "effect") + "," + ja::str(*a, "key") <
           ja::str(*b, "effect") + "," + ja::str(*b, "key");
  });
  bool first = true;
  for (const json* t : items) {
    if (!first) w.write(0, "\t");
    first = false;
    std::string line = ja::str(*t, "key");
    const std::string value = ja::str(*t, "value");
    const std::string effect = ja::str(*t, "effect");
    if (!value.empty()) line += "=" + value;
    if (!effect.empty()) line += ":" + effect;
    w.write(0, line + "\n");
  }
}

std::string format_label_selector(const json& selector) {
  // Requirements sorted by key, as labels.Selector.String() does.
  std::vector<std::pair<std::string, std::string>> reqs;
  for (const auto& [k, v] : string_map(ja::at(selector, "matchLabels"))) {
    reqs.emplace_back(k, k + "=" + v);
  }
  for (const json& e : ja::arr(selector, "matchExpressions")) {
    const std::string key = ja::str(e, "key");
    const std::string op = ja::str(e, "operator");
    std::vector<std::string> values;
    for (const json& v : ja::arr(e, "values")) values.push_back(ja::text(v));
    std::sort(values.begin(), values.end());
    std::string text;
    if (op == "In") {
      text = key + " in (" + join(values, ",") + ")";
    } else if (op == "NotIn") {
      text = key + " notin (" + join(values, ",") + ")";
    } else if (op == "Exists") {
      text = key;
    } else if (op == "DoesNotExist") {
      text = "!" + key;
    } else {
      text = key + " " + to_lower(op) + " (" + join(values, ",") + ")";
    }
    reqs.emplace_back(key, text);
  }
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> parts;
  for (const auto& r : reqs) parts.push_back(r.second);
  const std::string out = join(parts, ",");
  return out.empty() ? "<none>" : out;
}

}  // namespace kmg::describe::detail
