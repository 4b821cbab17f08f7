// Error extraction from logs: which lines look like errors, and how similar lines group into one
// signature. One pass per log, line by line; a log is never held whole.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "report/model.h"

namespace kmg::report {

bool is_error_line(std::string_view text);
// "connection refused", "no such host", "i/o timeout", "context deadline exceeded"...
bool is_network_error(std::string_view text);
// Masks timestamps, UUIDs, IPs, hex ids and numbers so that repeats of one error compare equal.
std::string mask_signature(std::string_view text);

// Splits the stream of one log into lines and reduces them into `info` and `signatures`.
class LogScanner {
 public:
  LogScanner(LogInfo& info, std::map<std::string, Signature>& signatures, std::string group);
  void feed(std::string_view chunk);
  void finish();

 private:
  void line(std::string_view raw);

  LogInfo& info_;
  std::map<std::string, Signature>& signatures_;
  std::string group_;  // what Signature::pods records for this log ("ns/pod", "node/<node>")
  std::string partial_;
  // The last lines, raw, in a ring whose strings keep their capacity: no allocation per line.
  // They become LogInfo::tail (valid UTF-8) in finish().
  std::array<std::string, 20> ring_;
  // mask_signature by the line with every digit made 0: repeats of one error differ only in
  // their numbers, and seven regex passes per error line were most of the scan's time.
  std::unordered_map<std::string, std::string> masks_;
  std::string masked(std::string_view text);
  std::size_t ring_next_ = 0;
  std::size_t ring_size_ = 0;
  std::size_t errors_next_ = 0;   // ring position in LogInfo::errors once it is full
  std::size_t network_next_ = 0;  // same for LogInfo::network
};

}  // namespace kmg::report
