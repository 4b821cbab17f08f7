#include "record/json_framer.h"

namespace kmg::record {

bool JsonFramer::feed(std::string_view chunk) {
  for (char c : chunk) {
    if (depth_ == 0 && c != '{') continue;  // whitespace between objects
    buffer_.push_back(c);
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{') {
      ++depth_;
    } else if (c == '}' && --depth_ == 0) {
      const bool go_on = sink_(buffer_);
      buffer_.clear();
      if (!go_on) return false;
    }
  }
  return true;
}

}  // namespace kmg::record
