#include "collectors/node_var_log.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <archive.h>
#include <archive_entry.h>

#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/common.h"
#include "collectors/tail_log.h"
#include "discovery/cluster_target.h"
#include "util/deadline.h"
#include "util/path.h"
#include "util/redact.h"
#include "util/text.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "node-logs";

// The engine pushes the archive's bytes; libarchive pulls them. This bounded queue joins the two
// with flat memory: the producer waits while kMaxQueued bytes are unread.
class ChunkChannel {
 public:
  // False once the reader has stopped (the producer should stop too).
  bool push(std::string_view chunk) {
    if (chunk.empty()) return true;
    std::unique_lock lock(mutex_);
    space_.wait(lock, [this] { return queued_ < kMaxQueued || reader_done_; });
    if (reader_done_) return false;
    queue_.emplace_back(chunk);
    queued_ += chunk.size();
    ready_.notify_one();
    return true;
  }
  void writer_finished() {
    std::lock_guard lock(mutex_);
    writer_done_ = true;
    ready_.notify_all();
  }
  // The next chunk, or false at the end of the stream.
  bool pop(std::string& out) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return !queue_.empty() || writer_done_; });
    if (queue_.empty()) return false;
    out = std::move(queue_.front());
    queue_.pop_front();
    queued_ -= out.size();
    space_.notify_one();
    return true;
  }
  void reader_finished() {
    std::lock_guard lock(mutex_);
    reader_done_ = true;
    queue_.clear();
    queued_ = 0;
    space_.notify_all();
  }

 private:
  static constexpr std::size_t kMaxQueued = 4 << 20;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::string> queue_;
  std::size_t queued_ = 0;
  bool writer_done_ = false;
  bool reader_done_ = false;
};

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

struct ArchiveSource {
  ChunkChannel* channel;
  std::string current;
};

la_ssize_t read_channel(archive*, void* client, const void** buffer) {
  auto* source = static_cast<ArchiveSource*>(client);
  if (!source->channel->pop(source->current)) return 0;
  *buffer = source->current.data();
  return static_cast<la_ssize_t>(source->current.size());
}

// Reading the current entry of `outer` as a gzip stream: rotated logs are compressed, and must be
// decompressed to be redacted (and read).
struct NestedSource {
  archive* outer;
  std::vector<char> buffer = std::vector<char>(64 * 1024);
};

la_ssize_t read_nested(archive*, void* client, const void** buffer) {
  auto* source = static_cast<NestedSource*>(client);
  const la_ssize_t n =
      archive_read_data(source->outer, source->buffer.data(), source->buffer.size());
  *buffer = source->buffer.data();
  return n;
}

std::string archive_error(archive* a, const char* fallback) {
  const char* why = archive_error_string(a);
  return why != nullptr ? why : fallback;
}

// Copies the current entry's data to `sink`; returns "" or why it stopped.
std::string copy_entry(archive* a, bool gzipped, const std::function<void(std::string_view)>& sink,
                       const Deadline& deadline) {
  std::vector<char> buffer(64 * 1024);
  archive* from = a;
  ArchivePtr inner;
  NestedSource nested{a};
  if (gzipped) {
    inner.reset(archive_read_new());
    archive_read_support_filter_gzip(inner.get());
    archive_read_support_format_raw(inner.get());
    archive_entry* raw_entry = nullptr;
    if (archive_read_open(inner.get(), &nested, nullptr, read_nested, nullptr) != ARCHIVE_OK ||
        archive_read_next_header(inner.get(), &raw_entry) != ARCHIVE_OK)
      return "not a gzip file: " + archive_error(inner.get(), "unknown error");
    from = inner.get();
  }
  while (!deadline.expired()) {
    const la_ssize_t n = archive_read_data(from, buffer.data(), buffer.size());
    if (n == 0) return "";
    if (n < 0) return archive_error(from, "read error");
    sink(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  return "stopped: time limit reached or cancelled";
}

// One regular file of the stream into the bundle, redacted and tail-capped.
void write_entry(ClusterContext& ctx, const discovery::NodeInfo& node, archive* a,
                 const std::string& entry_name, const std::string& scratch, VarLogResult& result) {
  std::string name = entry_name;
  const bool gzipped = name.ends_with(".gz");
  if (gzipped) name.resize(name.size() - 3);
  const auto relname = var_log_name(name);
  if (!relname) return;
  TailLog tail(ctx.options.log_limit_bytes, scratch);
  LineRedactor lines(ctx.redactor, [&tail](std::string_view text) { tail.write(text); });
  const std::string failure = copy_entry(
      a, gzipped, [&lines](std::string_view chunk) { lines.feed(chunk); }, ctx.deadline);
  lines.flush();
  if (!failure.empty())
    record_problem(ctx, kName, "archive /var/log of " + node.name + ": " + entry_name, failure);
  const std::string relpath = bundle::layout::node_log(ctx.target.name, node.name, *relname);
  if (tail.finish(ctx.writer, relpath) < 0) {
    record_problem(ctx, kName, relpath, "not written: bundle size budget reached");
    return;
  }
  ++result.files;
  ctx.manifest.add_items(ctx.target.name, kName, 1);
}

// Reads the tar stream from `channel`, writing every regular file. Sets result.read_error when
// the archive cannot be read.
void unpack(ClusterContext& ctx, const discovery::NodeInfo& node, ChunkChannel& channel,
            const std::string& scratch, VarLogResult& result) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_all(a.get());
  ArchiveSource source{&channel, {}};
  if (archive_read_open(a.get(), &source, nullptr, read_channel, nullptr) != ARCHIVE_OK) {
    result.read_error = archive_error(a.get(), "cannot read the archive");
    return;
  }
  archive_entry* entry = nullptr;
  while (!ctx.deadline.expired()) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) return;
    if (rc < ARCHIVE_WARN) {
      result.read_error = archive_error(a.get(), "broken archive");
      return;
    }
    const char* entry_name = archive_entry_pathname_utf8(entry);
    // Symlinks (/var/log/containers points into pods/), directories, devices: nothing to copy.
    if (archive_entry_filetype(entry) != AE_IFREG || entry_name == nullptr) continue;
    write_entry(ctx, node, a.get(), entry_name, scratch, result);
  }
}

}  // namespace

std::optional<std::string> var_log_name(std::string_view entry) {
  std::vector<std::string> parts;
  for (const auto& part : split(entry, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    parts.push_back(part);
  }
  // The engine names entries after the archived folder: "log/...".
  if (!parts.empty() && parts.front() == "log") parts.erase(parts.begin());
  if (parts.empty() || parts.front() == "journal") return std::nullopt;
  std::string name = parts.front() == "pods" ? "" : "var-log/";
  for (std::size_t i = 0; i < parts.size(); ++i)
    name += (i == 0 ? "" : "/") + safe_path_component(parts[i]);
  return name;
}

VarLogResult collect_var_log(ClusterContext& ctx, engine::EngineApi& engine,
                             const discovery::NodeInfo& node, const std::string& id,
                             const std::string& scratch, const engine::CallOptions& call) {
  VarLogResult result;
  ChunkChannel channel;
  // libarchive pulls, the engine pushes: the reader gets its own thread (not a pool task, which
  // could wait on a pool busy with producers like this one).
  std::thread reader([&] {
    try {
      unpack(ctx, node, channel, scratch, result);
    } catch (const std::exception& e) {
      result.read_error = e.what();  // the bundle writer's own failures (disk full)
    }
    channel.reader_finished();
  });
  result.engine = engine.archive(
      id, "/var/log",
      [&](std::string_view chunk) { return !ctx.deadline.expired() && channel.push(chunk); }, call);
  channel.writer_finished();
  reader.join();
  ctx.manifest.add_request(ctx.target.name, kName, result.engine.bytes);
  return result;
}

}  // namespace kmg::collectors
