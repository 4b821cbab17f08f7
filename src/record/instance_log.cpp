#include "record/instance_log.h"

#include <fstream>

#include "bundle/bundle_writer.h"
#include "bundle/truncation.h"
#include "util/timestamps.h"

namespace kmg::record {
namespace {

namespace fs = std::filesystem;

std::uint64_t size_of(const std::optional<fs::path>& file) {
  std::error_code ec;
  const auto n = file ? fs::file_size(*file, ec) : 0;
  return ec ? 0 : n;
}

bool write_all(const std::vector<bundle::FileStream*>& outs, std::string_view data) {
  bool ok = true;
  for (auto* out : outs) ok = out->write(data) && ok;
  return ok;
}

// The head was dropped at a chunk boundary, maybe inside a line: a first line that does not
// start with the API's timestamp (timestamps=true) is the end of a dropped one.
std::string_view drop_cut_line(std::string_view chunk) {
  const auto space = chunk.find(' ');
  if (space != std::string_view::npos && parse_rfc3339(chunk.substr(0, space))) return chunk;
  const auto nl = chunk.find('\n');
  return nl == std::string_view::npos ? std::string_view() : chunk.substr(nl + 1);
}

bool copy_file(const fs::path& file, bool cut_head, const std::vector<bundle::FileStream*>& outs) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::string buffer(64 * 1024, '\0');
  bool first = true, ok = true;
  while (ok && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::string_view chunk(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (chunk.empty()) break;
    if (first && cut_head) chunk = drop_cut_line(chunk);
    first = false;
    ok = write_all(outs, chunk);
  }
  return ok;
}

}  // namespace

bool write_instance_log(const InstanceFiles& files, std::uint64_t dropped,
                        const std::vector<bundle::FileStream*>& outs) {
  const std::uint64_t kept = size_of(files.older) + size_of(files.newer);
  bool ok = true;
  if (dropped > 0) ok = write_all(outs, bundle::truncation_marker(kept, kept + dropped));
  // The older half starts where the recorder cut; the newer one where it rotated, which is
  // no cut (both halves are one stream).
  if (ok && files.older) ok = copy_file(*files.older, dropped > 0, outs);
  if (ok && files.newer) ok = copy_file(*files.newer, dropped > 0 && !files.older, outs);
  for (auto* out : outs) out->close();
  return ok;
}

}  // namespace kmg::record
