// Markdown escaping and template rendering shared by every section of the view.
#include <kainjow/mustache.hpp>

#include "report/render.h"
#include "util/errors.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxCellBytes = 300;

kainjow::mustache::data to_data(const json& j) {
  using kainjow::mustache::data;
  if (j.is_object()) {
    data d;
    for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
    return d;
  }
  if (j.is_array()) {
    data l(data::type::list);
    for (const auto& v : j) l.push_back(to_data(v));
    return l;
  }
  if (j.is_boolean()) return data(j.get<bool>());
  if (j.is_string()) return data(j.get<std::string>());
  if (j.is_null()) return data(false);
  return data(j.dump());
}

}  // namespace

std::string opt_time(const std::optional<EpochNanos>& t) { return t ? format_rfc3339(*t) : ""; }

std::string shorten(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  return to_valid_utf8(s.substr(0, max)) + "…";
}

std::string code_block_line(const std::string& s) {
  // A line cannot end the fence early if it has no run of three backticks.
  std::string out = to_valid_utf8(s);
  std::size_t pos;
  while ((pos = out.find("```")) != std::string::npos) out.replace(pos, 3, "'''");
  return out;
}

std::string link_target(const std::string& path) {
  std::vector<std::string> parts = split(path, '/');
  for (auto& p : parts) p = url_encode(p);
  return join(parts, "/");
}

json more_line(std::size_t shown, std::size_t total, const std::string& where) {
  if (total <= shown) return false;
  return std::to_string(total - shown) + " more: see " + where;
}

std::string severity_icon(Severity s) {
  switch (s) {
    case Severity::critical:
      return "🛑";
    case Severity::error:
      return "❌";
    case Severity::warning:
      return "⚠️";
    case Severity::info:
      return "ℹ️";
  }
  return "";
}

std::string md_cell(std::string_view s) {
  std::string in = to_valid_utf8(s);
  std::string out;
  for (char ch : in) {
    switch (ch) {
      case '|':
        out += "\\|";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '`':
        out += "\\`";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      default:
        out += ch;
    }
  }
  out = std::string(trim(out));
  if (out.size() > kMaxCellBytes) {
    out = to_valid_utf8(out.substr(0, kMaxCellBytes));
    // Do not leave a dangling escape or half an entity at the cut.
    while (!out.empty() && (out.back() == '\\' || out.back() == '&')) out.pop_back();
    const auto amp = out.rfind('&');
    if (amp != std::string::npos && out.find(';', amp) == std::string::npos) out.resize(amp);
    out += "…";
  }
  return out;
}

std::string md_inline(std::string_view s) {
  std::string in = to_valid_utf8(s);
  std::string out;
  for (char ch : in) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
        out += '\\';
        out += ch;
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string render_template(const std::string& tmpl, const json& view, const std::string& name) {
  kainjow::mustache::mustache t(tmpl);
  if (!t.is_valid()) throw Error("template " + name + ": " + t.error_message());
  // Values are escaped for Markdown before they reach the template; no HTML escaping on top.
  t.set_custom_escape([](const std::string& s) { return s; });
  std::string out = t.render(to_data(view));
  if (!t.is_valid()) throw Error("template " + name + ": " + t.error_message());
  // Empty sections leave blank lines behind; more than one in a row carries no meaning.
  std::size_t pos;
  while ((pos = out.find("\n\n\n")) != std::string::npos) out.erase(pos, 1);
  return to_valid_utf8(out);
}

}  // namespace kmg::report
