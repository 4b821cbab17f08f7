// Small helpers shared by the describe tests.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "temp_dir.h"

namespace kmg::describe::testing {

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

inline bool has_line(const std::string& text, const std::string& line) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

inline nlohmann::json load_corpus(const std::string& relative) {
  return nlohmann::json::parse(
      kmg::testing::read_file(kmg::testing::shared_dir() + "/corpus/" + relative));
}

inline std::vector<const nlohmann::json*> pointers(const nlohmann::json& list) {
  std::vector<const nlohmann::json*> out;
  for (const auto& item : list["items"]) out.push_back(&item);
  return out;
}

}  // namespace kmg::describe::testing
