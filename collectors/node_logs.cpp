#include "collectors/node_logs.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <stdlib.h>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/common.h"
#include "collectors/node_var_log.h"
#include "collectors/tail_log.h"
#include "discovery/cluster_target.h"
#include "engine/engine_api.h"
#include "util/deadline.h"
#include "util/redact.h"
#include "util/text.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "node-logs";

using discovery::NodeInfo;
using engine::ErrorKind;

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
  return std::string(trim(nl == std::string_view::npos ? text : text.substr(0, nl)));
}

// One node's gather: the engine calls share its privilege and whether it still answers.
struct NodeSession {
  ClusterContext& ctx;
  engine::EngineApi& engine;
  const NodeInfo& node;
  std::string id;
  std::string scratch;
  bool privileged = true;  // as kind execs; dropped once the engine refuses
  bool gone = false;       // stopped answering: no more calls

  engine::CallOptions call() const {
    engine::CallOptions options;
    options.timeout = std::min(ctx.options.node_call_timeout, ctx.deadline.remaining());
    options.privileged = privileged;
    return options;
  }
  std::string path(const std::string& file) const {
    return bundle::layout::node_log(ctx.target.name, node.name, file);
  }
  // After a failure that says the node no longer answers, skip the rest of it (one timeout
  // per node, not one per file).
  void check_gone(const engine::Outcome& outcome) {
    if (gone || (outcome.kind != ErrorKind::not_running && outcome.kind != ErrorKind::timed_out &&
                 outcome.kind != ErrorKind::unavailable))
      return;
    gone = true;
    ctx.manifest.add_note(ctx.target.name, "node " + node.name + " stopped answering (" +
                                               engine::to_string(outcome.kind) + ": " +
                                               first_line(outcome.error) +
                                               "); its remaining node files were skipped");
  }
};

// Where one call's stdout goes: the redactor, then a tail-keeping spool (flat memory, the last
// log_limit_bytes kept) that becomes a file only when the call is judged worth keeping.
struct Spool {
  TailLog tail;
  LineRedactor lines;
  Spool(ClusterContext& ctx, const std::string& scratch)
      : tail(ctx.options.log_limit_bytes, scratch),
        lines(ctx.redactor, [this](std::string_view text) { tail.write(text); }) {}
  engine::ChunkSink sink(const Deadline& deadline) {
    return [this, &deadline](std::string_view chunk) {
      lines.feed(chunk);
      return !deadline.expired();
    };
  }
  bool write(NodeSession& s, const std::string& file) {
    lines.flush();
    const std::string relpath = s.path(file);
    if (tail.finish(s.ctx.writer, relpath) < 0) {
      record_problem(s.ctx, kName, relpath, "not written: bundle size budget reached");
      return false;
    }
    s.ctx.manifest.add_items(s.ctx.target.name, kName, 1);
    return true;
  }
};

void write_stream(NodeSession& s, const std::string& file, const std::string& what,
                  const std::function<engine::StreamResult(const engine::ChunkSink&)>& produce) {
  if (s.ctx.deadline.expired()) return;
  Spool spool(s.ctx, s.scratch);
  const engine::StreamResult r = produce(spool.sink(s.ctx.deadline));
  s.ctx.manifest.add_request(s.ctx.target.name, kName, r.bytes);
  if (!r.ok()) record(s.ctx, "GET", what, r.error);
  // A stream cut short is still written: its first part is evidence too.
  if (r.ok() || r.bytes > 0) spool.write(s, file);
}

void redact_strings(nlohmann::json& value, const Redactor& redactor) {
  if (value.is_string()) {
    value = redactor.redact(value.get_ref<const std::string&>());
  } else if (value.is_structured()) {
    for (auto& child : value) redact_strings(child, redactor);
  }
}

void write_inspect(NodeSession& s) {
  if (s.ctx.deadline.expired()) return;
  const engine::InspectResult r = s.engine.inspect(s.id);
  if (!r.ok()) {
    record(s.ctx, "GET", "inspect " + s.node.name, r.error);
    return;
  }
  s.ctx.manifest.add_request(s.ctx.target.name, kName, r.json.size());
  // Redact value by value so the document stays valid JSON (Config.Env holds KEY=secret pairs).
  auto doc = nlohmann::json::parse(r.json, nullptr, false);
  std::string out;
  if (doc.is_discarded()) {
    out = s.ctx.redactor.redact(r.json);
  } else {
    redact_strings(doc, s.ctx.redactor);
    out = doc.dump(1);
  }
  write_output(s.ctx, kName, s.path("inspect.json"), out);
}

// ---- exec ---------------------------------------------------------------------------------------

// Runs `command` once into a fresh spool; the spool is written only for a clean exit (or a
// stream cut short by the deadline or the timeout: what arrived is the command's own stdout).
engine::ExecResult exec_once(NodeSession& s, const std::vector<std::string>& command,
                             const std::string& file) {
  Spool spool(s.ctx, s.scratch);
  engine::ExecResult r = s.engine.exec(s.id, command, spool.sink(s.ctx.deadline), s.call());
  s.ctx.manifest.add_request(s.ctx.target.name, kName, r.stdout_bytes);
  const bool cut_short = (r.stopped_by_sink || r.kind == ErrorKind::timed_out) &&
                         r.stdout_bytes > 0 && r.exit_code <= 0;
  if (r.succeeded() || cut_short) spool.write(s, file);
  return r;
}

// The engine would not grant a privileged exec: say so once, and run this node's commands
// without privileges from now on.
bool drop_privilege(NodeSession& s, const engine::ExecResult& r) {
  if (r.kind != ErrorKind::refused || !s.privileged) return false;
  s.privileged = false;
  s.ctx.manifest.add_note(s.ctx.target.name,
                          "node " + s.node.name + ": the engine refused a privileged exec (" +
                              first_line(r.error) + "); commands ran again without privileges");
  return true;
}

std::string exit_message(const engine::ExecResult& r) {
  const std::string err = first_line(r.stderr_text);
  return "exit code " + std::to_string(r.exit_code) + (err.empty() ? " (no stderr)" : ": " + err);
}

// The program is not on the node (the engine's "executable file not found", or a shell's 127).
bool program_missing(const engine::ExecResult& r) {
  return r.kind == ErrorKind::not_found || (r.ok() && r.exit_code == 127);
}

// Runs `command` into `file`, recording what went wrong. The result tells the caller whether
// the command ran (a fallback may follow a missing program).
engine::ExecResult exec_to_file(NodeSession& s, const std::vector<std::string>& command,
                                const std::string& file, bool record_missing = true) {
  engine::ExecResult r;
  if (s.gone || s.ctx.deadline.expired()) return r;
  r = exec_once(s, command, file);
  if (drop_privilege(s, r)) r = exec_once(s, command, file);
  const std::string what = "exec " + join(command, " ") + " in " + s.node.name;
  if (r.succeeded() || (program_missing(r) && !record_missing)) return r;
  record(s.ctx, "EXEC", what, r.ok() ? exit_message(r) : r.error);
  s.check_gone(r);
  return r;
}

// Images and containers from crictl, as kind lists them; on nodes without crictl, from
// containerd's own CLI in the namespace Kubernetes uses.
void exec_image_lists(NodeSession& s) {
  const auto images = exec_to_file(s, {"crictl", "images"}, "images.log", false);
  if (!program_missing(images)) {
    exec_to_file(s, {"crictl", "ps", "-a"}, "containers.log");
    return;
  }
  s.ctx.manifest.add_note(s.ctx.target.name, "node " + s.node.name +
                                                 ": no crictl; images and containers listed "
                                                 "with ctr -n k8s.io");
  exec_to_file(s, {"ctr", "-n", "k8s.io", "images", "ls"}, "images.log");
  exec_to_file(s, {"ctr", "-n", "k8s.io", "containers", "ls"}, "containers.log");
}

std::vector<std::string> journal(std::int64_t since_seconds, std::vector<std::string> unit) {
  std::vector<std::string> cmd = {"journalctl", "--no-pager"};
  if (since_seconds > 0) cmd.push_back("--since=-" + std::to_string(since_seconds) + "s");
  cmd.insert(cmd.end(), unit.begin(), unit.end());
  return cmd;
}

void collect_var_log_of(NodeSession& s) {
  if (s.gone || s.ctx.deadline.expired()) return;
  const std::string what = "archive /var/log of " + s.node.name;
  const VarLogResult r = collect_var_log(s.ctx, s.engine, s.node, s.id, s.scratch, s.call());
  if (!r.read_error.empty()) {
    // The engine's complaint about the stop the reader caused would only repeat this one.
    record(s.ctx, "GET", what, "reading the tar stream: " + r.read_error);
  } else if (!r.engine.ok() && !s.ctx.deadline.expired()) {
    record(s.ctx, "GET", what, r.engine.error);
    s.check_gone(r.engine);
  }
}

void collect_running_node(NodeSession& s) {
  const std::int64_t since = s.ctx.options.since_seconds;
  // Cheap first: the first exec tells whether the node accepts exec at all, and with which
  // privilege; the whole journal (the biggest) and /var/log last.
  const auto version = exec_to_file(s, {"cat", "/kind/version"}, "kubernetes-version.txt");
  if (version.kind == ErrorKind::refused) {
    // Refused even without privileges: no command will run; the archive endpoint may still.
    s.ctx.manifest.add_note(s.ctx.target.name, "node " + s.node.name + ": exec refused (" +
                                                   first_line(version.error) +
                                                   "): no journal; serial.log, inspect and "
                                                   "/var/log only");
    collect_var_log_of(s);
    return;
  }
  exec_to_file(s, journal(since, {"-u", "kubelet.service"}), "kubelet.log");
  exec_to_file(s, journal(since, {"-u", "containerd.service"}), "containerd.log");
  exec_image_lists(s);
  exec_to_file(s, {"cat", "/etc/containerd/config.toml"}, "containerd-config.toml");
  exec_to_file(s, journal(since, {}), "journal.log");
  collect_var_log_of(s);
}

void collect_node(ClusterContext& ctx, engine::EngineApi& engine, const NodeInfo& node,
                  const std::string& scratch) {
  NodeSession s{ctx, engine, node, node.container_id.empty() ? node.name : node.container_id,
                scratch};
  write_stream(s, "serial.log", "logs " + node.name,
               [&](const engine::ChunkSink& sink) { return engine.logs(s.id, sink, s.call()); });
  write_inspect(s);
  if (node.state != "running") {
    const std::string state = node.state.empty() ? "not running" : node.state;
    ctx.manifest.add_note(ctx.target.name, "node " + node.name + " is " + state +
                                               ": no journal or /var/log; serial.log and "
                                               "inspect only");
    return;
  }
  // kind's load balancer is an haproxy container: no systemd, no kubelet (kind export logs skips
  // it too).
  if (node.role == "external-load-balancer") return;
  collect_running_node(s);
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
