// Splits Docker's multiplexed attach/exec stream ([type,0,0,0,size BE32] + payload) into stdout
// and stderr. Pure and incremental: chunks may cut headers and payloads anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/engine_api.h"

namespace kmg::engine {

class FrameDemuxer {
 public:
  // stdout (and stdin echo) payloads go to `out`; stderr and daemon errors (type 3) are kept,
  // up to `stderr_cap` bytes, so one noisy command cannot exhaust memory. With `merge`, stderr
  // payloads go to `out` too (container logs), and are not kept.
  explicit FrameDemuxer(ChunkSink out, std::size_t stderr_cap = 64 * 1024, bool merge = false);

  // Feeds raw bytes. Returns false once the sink asked to stop.
  bool feed(std::string_view bytes);
  // True when the stream ended on a frame boundary.
  bool complete() const { return header_fill_ == 0 && remaining_ == 0; }
  const std::string& stderr_text() const { return stderr_; }
  std::uint64_t stdout_bytes() const { return stdout_bytes_; }
  // Set when a header carried an unknown stream type: the stream is probably raw (TTY).
  bool malformed() const { return malformed_; }

 private:
  bool emit(std::string_view payload);

  ChunkSink out_;
  std::size_t stderr_cap_;
  bool merge_;
  std::string stderr_;
  unsigned char header_[8] = {};
  std::size_t header_fill_ = 0;
  std::uint32_t remaining_ = 0;
  unsigned char stream_ = 0;
  std::uint64_t stdout_bytes_ = 0;
  bool stopped_ = false;
  bool malformed_ = false;
};

}  // namespace kmg::engine
