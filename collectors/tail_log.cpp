#include "collectors/tail_log.h"

#include <cstdlib>
#include <vector>

#include <unistd.h>

#include "bundle/bundle_writer.h"
#include "bundle/truncation.h"

namespace kmg::collectors {

TailLog::TailLog(std::uint64_t limit, std::string scratch_dir)
    : limit_(limit), scratch_dir_(std::move(scratch_dir)) {}

TailLog::~TailLog() {
  if (file_ != nullptr) {
    std::fclose(file_);
    ::unlink(file_path_.c_str());
  }
}

bool TailLog::spill() {
  std::string pattern = scratch_dir_ + "/log-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return false;
  file_ = ::fdopen(fd, "w+b");
  if (file_ == nullptr) {
    ::close(fd);
    ::unlink(pattern.c_str());
    return false;
  }
  file_path_ = pattern;
  const bool ok = std::fwrite(memory_.data(), 1, memory_.size(), file_) == memory_.size();
  memory_.clear();
  memory_.shrink_to_fit();
  return ok;
}

bool TailLog::write(std::string_view chunk) {
  total_ += chunk.size();
  if (file_ == nullptr && memory_.size() + chunk.size() <= kInMemoryMax) {
    memory_.append(chunk);
    return true;
  }
  if (file_ == nullptr && !spill()) return false;
  return std::fwrite(chunk.data(), 1, chunk.size(), file_) == chunk.size();
}

std::int64_t TailLog::finish(bundle::BundleWriter& writer, const std::string& relpath) {
  auto out = writer.open_stream(relpath);
  if (!out) return -1;
  std::uint64_t skip = total_ > limit_ ? total_ - limit_ : 0;
  bool ok = true;
  if (skip > 0) {
    ok = out->write(bundle::truncation_marker(limit_, total_));
  }
  // Start the kept tail at a line boundary so no half line is shown.
  bool at_line_start = skip == 0;
  auto emit = [&](std::string_view data) {
    if (!at_line_start) {
      const auto nl = data.find('\n');
      if (nl == std::string_view::npos) return;
      data.remove_prefix(nl + 1);
      at_line_start = true;
    }
    if (!data.empty() && ok) ok = out->write(data);
  };
  if (file_ == nullptr) {
    emit(std::string_view(memory_).substr(skip));
  } else {
    std::fflush(file_);
    std::fseek(file_, static_cast<long>(skip), SEEK_SET);
    std::vector<char> buffer(64 * 1024);
    std::size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), file_)) > 0) {
      emit(std::string_view(buffer.data(), n));
    }
  }
  const auto written = static_cast<std::int64_t>(out->bytes());
  out->close();
  return ok ? written : -1;
}

}  // namespace kmg::collectors
