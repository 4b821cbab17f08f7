// RecordingWriter on disk. Each line is serialised first, then appended with one write(2) on an
// O_APPEND descriptor, so a kill leaves at most one partial last line per file. Nothing is
// fsync'ed per line (the page cache survives the death of the process, which is what a killed
// recorder needs); a segment is synced when it is finished and when the writer closes.
#include "record/recording_writer.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "record/append_file.h"
#include "util/errors.h"

namespace kmg::record {
namespace {

namespace fs = std::filesystem;

std::string to_line(const nlohmann::json& value) {
  // Invalid UTF-8 from a server becomes U+FFFD instead of an exception mid-recording.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json event_json(const ClusterEvent& e) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : e.nodes)
    nodes.push_back({{"name", n.name}, {"role", n.role}, {"state", n.state}, {"image", n.image}});
  return {{"at", format_rfc3339_nano(e.at)},
          {"cluster", e.cluster},
          {"event", e.event},
          {"provider", e.provider},
          {"endpoint", e.endpoint},
          {"nodes", nodes},
          {"reason", e.reason}};
}

nlohmann::json change_json(const ObjectChange& c) {
  return {{"at", format_rfc3339_nano(c.at)},
          {"type", c.type},
          {"group", c.group},
          {"version", c.version},
          {"resource", c.resource},
          {"object", c.object}};
}

struct Segment {
  UniqueFd fd;
  int index = 0;
  std::uint64_t bytes = 0;
};

// What the writer and its log appenders share; appenders hold it, so an appender outliving the
// writer still writes somewhere valid.
struct Shared {
  fs::path dir;
  WriterOptions options;
  std::mutex clusters_mutex;
  UniqueFd clusters_fd;
  std::mutex segments_mutex;
  std::map<std::string, Segment, std::less<>> segments;
  AppendFdCache logs;
  std::atomic<std::uint64_t> object_lines{0}, log_bytes{0}, log_bytes_dropped{0}, log_streams{0};

  Shared(fs::path d, WriterOptions o)
      : dir(std::move(d)), options(o), logs(options.max_open_logs) {}
  ~Shared() {
    for (auto& [name, segment] : segments)
      if (segment.fd) ::fsync(segment.fd.get());
  }

  // The first segment with room, from `index` on (a restarted recorder appends to its last one).
  bool open_segment(std::string_view cluster, Segment& s, int index) {
    std::error_code ec;
    for (;; ++index) {
      const fs::path path = paths::object_segment(dir, cluster, index);
      const auto size = fs::file_size(path, ec);
      if (ec || size < options.segment_bytes) {
        s.fd = open_append(path);
        s.index = index;
        s.bytes = ec ? 0 : size;
        if (!s.fd) spdlog::warn("recording: cannot open {}", path.string());
        return static_cast<bool>(s.fd);
      }
    }
  }

  void append_object_line(std::string_view cluster, const std::string& line) {
    std::lock_guard lock(segments_mutex);
    auto it = segments.find(cluster);
    if (it == segments.end()) it = segments.emplace(std::string(cluster), Segment{}).first;
    Segment& s = it->second;
    if (!s.fd && !open_segment(cluster, s, 1)) return;
    if (s.bytes > 0 && s.bytes + line.size() > options.segment_bytes) {
      ::fsync(s.fd.get());
      if (!open_segment(cluster, s, s.index + 1)) return;
    }
    if (write_all(s.fd.get(), line)) {
      s.bytes += line.size();
      object_lines.fetch_add(1, std::memory_order_relaxed);
    }
  }
};

std::uint64_t file_size_or_zero(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

// One container instance's log: <instance>.log up to half the limit, then renamed to
// <instance>.log.0 (replacing the older half), so the two hold the newest half..whole limit.
class FileLogAppender : public LogAppender {
 public:
  FileLogAppender(std::shared_ptr<Shared> shared, std::string_view cluster, LogInstance instance)
      : shared_(std::move(shared)),
        cluster_(cluster),
        instance_(std::move(instance)),
        path_(paths::log_file(shared_->dir, cluster_, instance_.ns, instance_.pod,
                              instance_.container, instance_.name())),
        current_(file_size_or_zero(path_)) {
    mark("open", "");
  }
  ~FileLogAppender() override {
    if (!closed_) close("stream ended");
  }

  void append(std::string_view chunk) override {
    if (closed_ || chunk.empty()) return;
    const std::uint64_t half = half_limit();
    if (half > 0 && chunk.size() > half) {  // only its tail can be kept
      drop(chunk.size() - half);
      chunk.remove_prefix(chunk.size() - half);
    }
    if (half > 0 && current_ > 0 && current_ + chunk.size() > half) rotate();
    if (shared_->logs.append(path_, chunk)) {
      current_ += chunk.size();
      shared_->log_bytes.fetch_add(chunk.size(), std::memory_order_relaxed);
    }
  }

  void close(std::string_view reason) override {
    if (closed_) return;
    closed_ = true;
    shared_->logs.forget(path_);
    mark("closed", reason);
  }

 private:
  std::uint64_t half_limit() const {
    const auto limit = shared_->options.log_limit_bytes;
    return limit == 0 ? 0 : std::max<std::uint64_t>(limit / 2, 1);
  }

  void drop(std::uint64_t bytes) {
    dropped_ += bytes;
    shared_->log_bytes_dropped.fetch_add(bytes, std::memory_order_relaxed);
  }

  void rotate() {
    shared_->logs.forget(path_);
    fs::path older = path_;
    older += ".0";
    drop(file_size_or_zero(older));
    std::error_code ec;
    fs::rename(path_, older, ec);
    if (ec) spdlog::warn("recording: cannot rotate {}: {}", path_.string(), ec.message());
    current_ = 0;
  }

  void mark(std::string_view state, std::string_view reason) {
    const nlohmann::json line = {{"at", format_rfc3339_nano(now_nanos())},
                                 {"type", "LOG"},
                                 {"namespace", instance_.ns},
                                 {"pod", instance_.pod},
                                 {"container", instance_.container},
                                 {"container_id", instance_.container_id},
                                 {"instance", instance_.name()},
                                 {"restart_count", instance_.restart_count},
                                 {"state", state},
                                 {"reason", reason},
                                 {"dropped_bytes", dropped_}};
    shared_->append_object_line(cluster_, to_line(line));
  }

  std::shared_ptr<Shared> shared_;
  std::string cluster_;
  LogInstance instance_;
  fs::path path_;
  std::uint64_t current_ = 0;  // bytes in <instance>.log
  std::uint64_t dropped_ = 0;
  bool closed_ = false;
};

class FileRecordingWriter : public RecordingWriter {
 public:
  FileRecordingWriter(const fs::path& dir, WriterOptions options)
      : shared_(std::make_shared<Shared>(dir, options)) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    shared_->clusters_fd = open_append(paths::clusters_jsonl(dir));
    if (!shared_->clusters_fd)
      throw Error("recording " + dir.string() + ": cannot create clusters.jsonl" +
                  (ec ? ": " + ec.message() : ""));
  }

  void cluster_event(const ClusterEvent& event) override {
    const std::string line = to_line(event_json(event));
    std::lock_guard lock(shared_->clusters_mutex);
    write_all(shared_->clusters_fd.get(), line);
  }

  void object(std::string_view cluster, const ObjectChange& change) override {
    shared_->append_object_line(cluster, to_line(change_json(change)));
  }

  std::unique_ptr<LogAppender> open_log(std::string_view cluster,
                                        const LogInstance& instance) override {
    shared_->log_streams.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<FileLogAppender>(shared_, cluster, instance);
  }

  RecordingStats stats() const override {
    RecordingStats s;
    s.object_lines = shared_->object_lines.load();
    s.log_bytes = shared_->log_bytes.load();
    s.log_bytes_dropped = shared_->log_bytes_dropped.load();
    s.log_streams = shared_->log_streams.load();
    return s;
  }

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace

void write_json_file(const fs::path& path, const nlohmann::json& value) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fs::path temp = path;
  temp += ".tmp-" + std::to_string(::getpid());
  {
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd || !write_all(fd.get(), to_line(value)) || ::fsync(fd.get()) != 0)
      throw Error("cannot write " + temp.string() + ": " + std::strerror(errno));
  }
  fs::rename(temp, path, ec);
  if (ec)
    throw Error("cannot rename " + temp.string() + " to " + path.string() + ": " + ec.message());
}

std::unique_ptr<RecordingWriter> make_recording_writer(const fs::path& dir, WriterOptions options) {
  return std::make_unique<FileRecordingWriter>(dir, options);
}

}  // namespace kmg::record
