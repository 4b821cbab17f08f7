// Splits a watch response into its events. The API server writes one JSON object per event;
// apimachinery's JSON framer decodes consecutive objects whatever whitespace separates them,
// so objects are found by brace depth (outside strings), not by newlines.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace kmg::record {

class JsonFramer {
 public:
  // Receives each complete top-level JSON object's text. Return false to stop.
  using Sink = std::function<bool(std::string_view object)>;

  explicit JsonFramer(Sink sink) : sink_(std::move(sink)) {}

  // Feeds the next chunk; false once the sink asked to stop.
  bool feed(std::string_view chunk);
  // Bytes of an object begun but not finished (a stream cut mid-event).
  std::size_t pending() const { return buffer_.size(); }

 private:
  Sink sink_;
  std::string buffer_;  // the current object so far
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

}  // namespace kmg::record
