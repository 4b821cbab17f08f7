#include "util/yaml_emit.h"

#include <cctype>
#include <cstdio>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kmg {
namespace {

bool looks_like_number(std::string_view s) {
  if (s.empty()) return false;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size()) return false;
  bool digit = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+' && c != '_' && c != 'x' &&
               c != 'o') {
      return false;
    }
  }
  return digit;
}

bool is_reserved_word(std::string_view s) {
  static constexpr std::string_view words[] = {
      "true", "false", "yes",  "no",    "on",  "off", "null", "~",   "y",  "n",
      "True", "False", "TRUE", "FALSE", "Yes", "No",  "YES",  "NO",  "On", "Off",
      "ON",   "OFF",   "Null", "NULL",  "Y",   "N",   ".inf", ".nan"};
  for (auto w : words) {
    if (s == w) return true;
  }
  return false;
}

// Plain scalars are easiest to read; anything YAML could misread gets double quotes.
bool needs_quotes(std::string_view s) {
  if (s.empty() || is_reserved_word(s) || looks_like_number(s)) return true;
  if (std::isspace(static_cast<unsigned char>(s.front())) ||
      std::isspace(static_cast<unsigned char>(s.back()))) {
    return true;
  }
  static constexpr std::string_view leading = "-?:,[]{}#&*!|>'\"%@`";
  if (leading.find(s.front()) != std::string_view::npos) return true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (s[i] == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return true;
    if (s[i] == '#' && i > 0 && s[i - 1] == ' ') return true;
  }
  return false;
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

// Multi-line text reads best as a literal block, which YAML allows only when no line would change
// meaning: no control bytes, no trailing spaces, and a first line not starting with a space.
bool fits_literal_block(std::string_view s) {
  if (s.find('\n') == std::string_view::npos || s.front() == ' ' || s.front() == '\n') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && s[i] != '\n') || c == 0x7F) return false;
    if (s[i] == ' ' && (i + 1 == s.size() || s[i + 1] == '\n')) return false;
  }
  return true;
}

void append_indent(std::string& out, int indent) {
  out.append(static_cast<std::size_t>(indent), ' ');
}

void append_string(std::string& out, std::string_view s, int indent) {
  if (fits_literal_block(s)) {
    // "|" keeps one trailing newline, "|-" none; several trailing newlines need "|+".
    std::size_t trailing = 0;
    while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
    out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
    std::string_view body = s.substr(0, s.size() - trailing);
    std::size_t start = 0;
    while (start <= body.size()) {
      const auto end = body.find('\n', start);
      const auto line = body.substr(start, end == std::string_view::npos ? body.npos : end - start);
      out += '\n';
      if (!line.empty()) {
        append_indent(out, indent);
        out += line;
      }
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    for (std::size_t i = 1; i < trailing; ++i) out += '\n';
    return;
  }
  if (needs_quotes(s)) {
    append_quoted(out, s);
  } else {
    out += s;
  }
}

void append_scalar(std::string& out, const nlohmann::json& v, int indent) {
  if (v.is_string()) {
    append_string(out, v.get_ref<const std::string&>(), indent);
  } else if (v.is_null()) {
    out += "null";
  } else {
    out += v.dump();
  }
}

bool is_empty_container(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void emit(std::string& out, const nlohmann::json& v, int indent);

void emit_object(std::string& out, const nlohmann::json& obj, int indent) {
  bool first = true;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!first) append_indent(out, indent);
    first = false;
    append_string(out, it.key(), indent);
    out += ':';
    const auto& value = it.value();
    if (is_empty_container(value)) {
      out += value.is_object() ? " {}\n" : " []\n";
    } else if (value.is_object()) {
      out += '\n';
      append_indent(out, indent + 2);
      emit(out, value, indent + 2);
    } else if (value.is_array()) {
      // kubectl (sigs.k8s.io/yaml) writes list items at the same indent as their key.
      out += '\n';
      append_indent(out, indent);
      emit(out, value, indent);
    } else {
      out += ' ';
      append_scalar(out, value, indent + 2);
      out += '\n';
    }
  }
}

void emit_array(std::string& out, const nlohmann::json& arr, int indent) {
  bool first = true;
  for (const auto& item : arr) {
    if (!first) append_indent(out, indent);
    first = false;
    out += "- ";
    if (is_empty_container(item)) {
      out += item.is_object() ? "{}\n" : "[]\n";
    } else if (item.is_object() || item.is_array()) {
      emit(out, item, indent + 2);
    } else {
      append_scalar(out, item, indent + 2);
      out += '\n';
    }
  }
}

void emit(std::string& out, const nlohmann::json& v, int indent) {
  if (v.is_object()) {
    emit_object(out, v, indent);
  } else if (v.is_array()) {
    emit_array(out, v, indent);
  } else {
    append_scalar(out, v, indent);
    out += '\n';
  }
}

}  // namespace

std::string to_yaml(const nlohmann::json& value) {
  std::string out;
  if (is_empty_container(value)) return value.is_object() ? "{}\n" : "[]\n";
  emit(out, value, 0);
  return out;
}

}  // namespace kmg
