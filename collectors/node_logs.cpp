#include "collectors/node_logs.h"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/common.h"
#include "collectors/tail_log.h"
#include "discovery/cluster_target.h"
#include "engine/engine_api.h"
#include "util/deadline.h"
#include "util/path.h"
#include "util/redact.h"
#include "util/text.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "node-logs";
constexpr const char* kPodLogsDir = "/var/log/pods";

using discovery::NodeInfo;

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

void record(ClusterContext& ctx, const char* method, const std::string& what,
            const std::string& message) {
  bundle::FailedRequest failure;
  failure.cluster = ctx.target.name;
  failure.collector = kName;
  failure.method = method;
  failure.path = what;
  failure.message = message;
  ctx.manifest.add_failure(failure);
}

std::string first_line(std::string_view text) {
  text = trim(text);
  const auto nl = text.find('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(0, nl));
}

// Runs an engine call that streams its output; returns "" or why it failed.
using Producer = std::function<std::string(const engine::ChunkSink&)>;

// Streams `produce`'s output through the redactor into a tail-keeping spool (flat memory, the
// last log_limit_bytes kept), then into node-logs/<node>/<file>. A stream cut short by a failure
// is still written: its first part is evidence too. True when complete and written.
bool stream_to_file(ClusterContext& ctx, const NodeInfo& node, const std::string& file,
                    const char* method, const std::string& what, const std::string& scratch,
                    const Producer& produce) {
  if (ctx.deadline.expired()) return false;
  TailLog tail(ctx.options.log_limit_bytes, scratch);
  LineRedactor lines(ctx.redactor, [&tail](std::string_view text) { tail.write(text); });
  std::uint64_t received = 0;
  const std::string failure = produce([&](std::string_view chunk) {
    received += chunk.size();
    lines.feed(chunk);
    return !ctx.deadline.expired();
  });
  lines.flush();
  ctx.manifest.add_request(ctx.target.name, kName, received);
  if (!failure.empty()) record(ctx, method, what, failure);
  if (!failure.empty() && received == 0) return false;
  const std::string relpath = bundle::layout::node_log(ctx.target.name, node.name, file);
  if (tail.finish(ctx.writer, relpath) < 0) {
    record_problem(ctx, kName, relpath, "not written: bundle size budget reached");
    return false;
  }
  ctx.manifest.add_items(ctx.target.name, kName, 1);
  return failure.empty();
}

void redact_strings(nlohmann::json& value, const Redactor& redactor) {
  if (value.is_string()) {
    value = redactor.redact(value.get_ref<const std::string&>());
  } else if (value.is_structured()) {
    for (auto& child : value) redact_strings(child, redactor);
  }
}

void write_inspect(ClusterContext& ctx, engine::EngineApi& engine, const NodeInfo& node,
                   const std::string& id) {
  if (ctx.deadline.expired()) return;
  std::string text;
  try {
    text = engine.inspect(id);
  } catch (const std::exception& e) {
    record(ctx, "GET", "inspect " + node.name, e.what());
    return;
  }
  ctx.manifest.add_request(ctx.target.name, kName, text.size());
  // Redact value by value so the document stays valid JSON (Config.Env holds KEY=secret pairs).
  auto doc = nlohmann::json::parse(text, nullptr, false);
  std::string out;
  if (doc.is_discarded()) {
    out = ctx.redactor.redact(text);
  } else {
    redact_strings(doc, ctx.redactor);
    out = doc.dump(1);
  }
  write_output(ctx, kName, bundle::layout::node_log(ctx.target.name, node.name, "inspect.json"),
               out);
}

// ---- /var/log/pods from the engine's archive endpoint ---------------------------------------

// "pods/<ns>_<pod>_<uid>/<ctr>/0.log" (as the engine names entries of /var/log/pods) to the
// bundle-relative name under the node's folder, every component sanitized. Nothing for entries
// that try to leave the folder.
std::optional<std::string> pod_log_name(std::string_view entry) {
  std::vector<std::string> parts;
  for (const auto& part : split(entry, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    parts.push_back(part);
  }
  if (!parts.empty() && parts.front() == "pods") parts.erase(parts.begin());
  if (parts.empty()) return std::nullopt;
  std::string name = "pods";
  for (const auto& part : parts) name += "/" + safe_path_component(part);
  return name;
}

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
        archive_read_next_header(inner.get(), &raw_entry) != ARCHIVE_OK) {
      const char* why = archive_error_string(inner.get());
      return std::string("not a gzip file: ") + (why != nullptr ? why : "unknown error");
    }
    from = inner.get();
  }
  while (!deadline.expired()) {
    const la_ssize_t n = archive_read_data(from, buffer.data(), buffer.size());
    if (n == 0) return "";
    if (n < 0) {
      const char* why = archive_error_string(from);
      return why != nullptr ? why : "read error";
    }
    sink(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
  }
  return "stopped: time limit reached or cancelled";
}

// Reads the tar stream from `channel` and writes every regular file as a redacted, tail-capped
// log. Returns "" or why the archive could not be read.
std::string unpack_pod_logs(ClusterContext& ctx, const NodeInfo& node, ChunkChannel& channel,
                            const std::string& scratch) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_all(a.get());
  ArchiveSource source{&channel, {}};
  if (archive_read_open(a.get(), &source, nullptr, read_channel, nullptr) != ARCHIVE_OK) {
    const char* why = archive_error_string(a.get());
    return why != nullptr ? why : "cannot read the archive";
  }
  archive_entry* entry = nullptr;
  while (!ctx.deadline.expired()) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) return "";
    if (rc < ARCHIVE_WARN) {
      const char* why = archive_error_string(a.get());
      return why != nullptr ? why : "broken archive";
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* entry_name = archive_entry_pathname_utf8(entry);
    if (entry_name == nullptr) continue;
    std::string name(entry_name);
    const bool gzipped = name.ends_with(".gz");
    if (gzipped) name.resize(name.size() - 3);
    const auto relname = pod_log_name(name);
    if (!relname) continue;

    TailLog tail(ctx.options.log_limit_bytes, scratch);
    LineRedactor lines(ctx.redactor, [&tail](std::string_view text) { tail.write(text); });
    const std::string failure = copy_entry(
        a.get(), gzipped, [&lines](std::string_view chunk) { lines.feed(chunk); }, ctx.deadline);
    lines.flush();
    if (!failure.empty()) {
      record(ctx, "GET",
             "archive " + std::string(kPodLogsDir) + " of " + node.name + ": " + entry_name,
             failure);
    }
    const std::string relpath = bundle::layout::node_log(ctx.target.name, node.name, *relname);
    if (tail.finish(ctx.writer, relpath) < 0) {
      record_problem(ctx, kName, relpath, "not written: bundle size budget reached");
      continue;
    }
    ctx.manifest.add_items(ctx.target.name, kName, 1);
  }
  return "";
}

void collect_pod_logs(ClusterContext& ctx, engine::EngineApi& engine, const NodeInfo& node,
                      const std::string& id, const std::string& scratch) {
  if (ctx.deadline.expired()) return;
  const std::string what = "archive " + std::string(kPodLogsDir) + " of " + node.name;
  ChunkChannel channel;
  std::string read_failure;
  // libarchive pulls, the engine pushes: the reader gets its own thread (not a pool task, which
  // could wait on a pool busy with producers like this one).
  std::thread reader([&] {
    try {
      read_failure = unpack_pod_logs(ctx, node, channel, scratch);
    } catch (const std::exception& e) {
      read_failure = e.what();
    }
    channel.reader_finished();
  });
  std::uint64_t received = 0;
  std::string engine_failure;
  try {
    engine.archive(id, kPodLogsDir, [&](std::string_view chunk) {
      received += chunk.size();
      return !ctx.deadline.expired() && channel.push(chunk);
    });
  } catch (const std::exception& e) {
    engine_failure = e.what();
  }
  channel.writer_finished();
  reader.join();
  ctx.manifest.add_request(ctx.target.name, kName, received);
  if (!read_failure.empty()) {
    // The engine's complaint about the stop the reader caused would only repeat this one.
    record(ctx, "GET", what, "reading the tar stream: " + read_failure);
  } else if (!engine_failure.empty() && !ctx.deadline.expired()) {
    record(ctx, "GET", what, engine_failure);
  }
}

// ---- one node ---------------------------------------------------------------------------------

struct NodeFile {
  std::vector<std::string> command;
  const char* file;
};

std::vector<NodeFile> node_files(std::int64_t since_seconds) {
  auto journal = [since_seconds](std::vector<std::string> unit) {
    std::vector<std::string> cmd = {"journalctl", "--no-pager"};
    if (since_seconds > 0) cmd.push_back("--since=-" + std::to_string(since_seconds) + "s");
    cmd.insert(cmd.end(), unit.begin(), unit.end());
    return cmd;
  };
  // Cheap ones first: the first exec tells whether the node accepts exec at all; the whole
  // journal (the biggest) last.
  return {
      {{"cat", "/kind/version"}, "kubernetes-version.txt"},
      {journal({"-u", "kubelet.service"}), "kubelet.log"},
      {journal({"-u", "containerd.service"}), "containerd.log"},
      {{"crictl", "images"}, "images.log"},
      {{"crictl", "ps", "-a"}, "containers.log"},
      {{"cat", "/etc/containerd/config.toml"}, "containerd-config.toml"},
      {journal({}), "journal.log"},
  };
}

void collect_node(ClusterContext& ctx, engine::EngineApi& engine, const NodeInfo& node,
                  const std::string& scratch) {
  const std::string id = node.container_id.empty() ? node.name : node.container_id;
  stream_to_file(ctx, node, "serial.log", "GET", "logs " + node.name, scratch,
                 [&](const engine::ChunkSink& sink) -> std::string {
                   try {
                     engine.logs(id, sink);
                     return "";
                   } catch (const std::exception& e) {
                     return e.what();
                   }
                 });
  write_inspect(ctx, engine, node, id);

  const std::string only_serial =
      ": no journal or " + std::string(kPodLogsDir) + "; serial.log and inspect only";
  if (node.state != "running") {
    const std::string state = node.state.empty() ? "not running" : node.state;
    ctx.manifest.add_note(ctx.target.name, "node " + node.name + " is " + state + only_serial);
    return;
  }
  // kind's load balancer is an haproxy container: no systemd, no kubelet (kind export logs skips
  // it too).
  if (node.role == "external-load-balancer") return;

  bool first = true;
  for (const NodeFile& node_file : node_files(ctx.options.since_seconds)) {
    if (ctx.deadline.expired()) return;
    const std::vector<std::string>& command = node_file.command;
    const std::string what = "exec " + join(command, " ") + " in " + node.name;
    std::string refused;
    stream_to_file(ctx, node, node_file.file, "EXEC", what, scratch,
                   [&](const engine::ChunkSink& sink) -> std::string {
                     try {
                       const engine::ExecResult result = engine.exec(id, command, sink);
                       if (result.exit_code == 0) return "";
                       return "exit code " + std::to_string(result.exit_code) + ": " +
                              first_line(result.stderr_text);
                     } catch (const std::exception& e) {
                       refused = e.what();
                       return refused;
                     }
                   });
    if (first && !refused.empty()) {
      // The engine would not run a command at all (paused node, rootless limits...).
      ctx.manifest.add_note(ctx.target.name, "node " + node.name + ": exec refused (" +
                                                 first_line(refused) + ")" + only_serial);
      return;
    }
    first = false;
  }
  collect_pod_logs(ctx, engine, node, id, scratch);
}

// A scratch folder of our own for spilled logs, next to the staging folder (same disk).
std::optional<std::string> make_scratch(ClusterContext& ctx) {
  std::string pattern = ctx.writer.staging_dir() + "/../scratch-node-logs-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::error_code ec;
    pattern = (std::filesystem::temp_directory_path(ec) / "kmg-node-logs-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return std::nullopt;
  }
  return pattern;
}

}  // namespace

void collect_node_logs(ClusterContext& ctx) {
  if (ctx.target.engine == nullptr) {
    ctx.manifest.add_note(ctx.target.name,
                          ctx.target.nodes.empty()
                              ? "not a Kind cluster (no node containers): no node logs"
                              : "no container engine for the nodes: no node logs");
    return;
  }
  if (ctx.target.nodes.empty()) return;
  const auto scratch = make_scratch(ctx);
  if (!scratch) {
    record_problem(ctx, kName, "scratch folder", "cannot create a scratch folder for node logs");
    return;
  }
  engine::EngineApi& engine = *ctx.target.engine;
  {
    TaskGroup group(ctx);
    for (const auto& node : ctx.target.nodes) {
      group.run([&ctx, &engine, &node, &scratch] { collect_node(ctx, engine, node, *scratch); });
    }
    group.wait();
  }
  std::error_code ec;
  std::filesystem::remove_all(*scratch, ec);
}

}  // namespace kmg::collectors
