#include "engine/frame_demux.h"

#include <algorithm>
#include <utility>

namespace kmg::engine {

FrameDemuxer::FrameDemuxer(ChunkSink out, std::size_t stderr_cap, bool merge)
    : out_(std::move(out)), stderr_cap_(stderr_cap), merge_(merge) {}

bool FrameDemuxer::emit(std::string_view payload) {
  if (payload.empty()) return true;
  if (stream_ == 0 || stream_ == 1 || (merge_ && stream_ == 2)) {
    stdout_bytes_ += payload.size();
    if (out_ && !out_(payload)) stopped_ = true;
    return !stopped_;
  }
  // 2 = stderr, 3 = an error written by the daemon itself: both are diagnostics for the caller.
  const std::size_t room = stderr_cap_ > stderr_.size() ? stderr_cap_ - stderr_.size() : 0;
  stderr_.append(payload.substr(0, std::min(room, payload.size())));
  return true;
}

bool FrameDemuxer::feed(std::string_view bytes) {
  while (!bytes.empty() && !stopped_) {
    if (remaining_ == 0) {
      const std::size_t take = std::min(bytes.size(), sizeof(header_) - header_fill_);
      std::copy_n(bytes.begin(), take, header_ + header_fill_);
      header_fill_ += take;
      bytes.remove_prefix(take);
      if (header_fill_ < sizeof(header_)) break;
      header_fill_ = 0;
      stream_ = header_[0];
      if (stream_ > 3) malformed_ = true;
      remaining_ = (std::uint32_t{header_[4]} << 24) | (std::uint32_t{header_[5]} << 16) |
                   (std::uint32_t{header_[6]} << 8) | std::uint32_t{header_[7]};
      continue;
    }
    const std::size_t take = std::min<std::size_t>(bytes.size(), remaining_);
    remaining_ -= static_cast<std::uint32_t>(take);
    const std::string_view payload = bytes.substr(0, take);
    bytes.remove_prefix(take);
    if (!emit(payload)) break;
  }
  return !stopped_;
}

}  // namespace kmg::engine
