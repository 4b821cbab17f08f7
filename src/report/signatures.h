// Error extraction from logs: which lines look like errors, and how similar lines group into one
// signature. One pass per log, line by line; a log is never held whole.
#pragma once

#include <map>
#include <string>
#include <string_view>

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
};

}  // namespace kmg::report
