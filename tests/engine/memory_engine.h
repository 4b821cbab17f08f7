// An in-memory EngineApi for unit tests: containers with labels, ports, inspect documents and
// files (served by archive() as a tar stream), scripted exec replies, and an engine that refuses.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include "engine/engine_api.h"
#include "util/text.h"

namespace kmg::testing {

// A tar stream holding one regular file `name` with `content`, as the archive endpoint returns.
inline std::string make_tar(const std::string& name, const std::string& content) {
  std::string out;
  struct Writer {
    static la_ssize_t write(archive*, void* user, const void* buf, size_t n) {
      static_cast<std::string*>(user)->append(static_cast<const char*>(buf), n);
      return static_cast<la_ssize_t>(n);
    }
  };
  std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  archive_write_open(a.get(), &out, nullptr, &Writer::write, nullptr);
  std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                             archive_entry_free);
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0600);
  archive_write_header(a.get(), e.get());
  archive_write_data(a.get(), content.data(), content.size());
  archive_write_close(a.get());
  return out;
}

class MemoryEngine : public engine::EngineApi {
 public:
  struct Node {
    engine::Container container;
    nlohmann::json inspect;                    // empty: built from the container
    std::map<std::string, std::string> files;  // path in the container -> content
    std::string logs;
  };
  struct ExecReply {
    std::string out;
    std::string err;
    int exit_code = 0;
  };

  MemoryEngine(std::string provider, std::string endpoint)
      : provider_(std::move(provider)), endpoint_(std::move(endpoint)) {}

  // Every call fails with "<provider> at <endpoint>: <reason>" (an engine that refuses).
  void refuse(const std::string& reason) { refuse_ = reason; }
  void add(Node node) {
    std::lock_guard lock(mutex_);
    nodes_.push_back(std::move(node));
  }
  void on_exec(const std::string& cmd_joined, ExecReply reply) {
    std::lock_guard lock(mutex_);
    exec_replies_[cmd_joined] = std::move(reply);
  }
  int calls(const std::string& what) const {
    std::lock_guard lock(mutex_);
    const auto it = calls_.find(what);
    return it == calls_.end() ? 0 : it->second;
  }

  std::string provider() const override { return provider_; }
  std::string endpoint() const override { return endpoint_; }

  engine::ListResult list_containers(const std::string& label_filter) override {
    engine::ListResult result;
    if (!enter("list", "GET /containers/json", result)) return result;
    const auto eq = label_filter.find('=');
    const std::string key = label_filter.substr(0, eq);
    std::lock_guard lock(mutex_);
    for (const auto& n : nodes_) {
      const auto it = n.container.labels.find(key);
      if (it == n.container.labels.end()) continue;
      if (eq != std::string::npos && it->second != label_filter.substr(eq + 1)) continue;
      result.containers.push_back(n.container);
    }
    return result;
  }

  engine::InspectResult inspect(const std::string& id) override {
    engine::InspectResult result;
    const std::string req = "GET /containers/" + id + "/json";
    if (!enter("inspect", req, result)) return result;
    std::lock_guard lock(mutex_);
    const Node* n = find(id, req, result);
    if (n == nullptr) return result;
    if (!n->inspect.is_null()) {
      result.json = n->inspect.dump();
      return result;
    }
    nlohmann::json ports = nlohmann::json::object();
    for (const auto& p : n->container.ports)
      ports[p.container_port].push_back({{"HostIp", p.host_ip}, {"HostPort", p.host_port}});
    result.json = nlohmann::json{{"Id", n->container.id},
                                 {"Name", "/" + n->container.name},
                                 {"State", {{"Status", n->container.state}}},
                                 {"Config", {{"Labels", n->container.labels}, {"Tty", true}}},
                                 {"NetworkSettings", {{"Ports", ports}}}}
                      .dump();
    return result;
  }

  engine::StreamResult archive(const std::string& id, const std::string& path,
                               const engine::ChunkSink& sink, const engine::CallOptions&) override {
    engine::StreamResult result;
    const std::string req = "GET /containers/" + id + "/archive?path=" + path;
    if (!enter("archive", req, result)) return result;
    std::string tar;
    {
      std::lock_guard lock(mutex_);
      const Node* n = find(id, req, result);
      if (n == nullptr) return result;
      const auto it = n->files.find(path);
      if (it == n->files.end()) {
        fail(result, engine::ErrorKind::not_found, req, "404 Could not find the file " + path);
        return result;
      }
      tar = make_tar(path.substr(path.find_last_of('/') + 1), it->second);
    }
    // Two chunks, so readers must join them.
    const auto half = tar.size() / 2;
    result.bytes = tar.size();
    if (sink(std::string_view(tar).substr(0, half))) sink(std::string_view(tar).substr(half));
    return result;
  }

  engine::ExecResult exec(const std::string& id, const std::vector<std::string>& cmd,
                          const engine::ChunkSink& sink, const engine::CallOptions&) override {
    engine::ExecResult result;
    const std::string req = "POST /containers/" + id + "/exec";
    if (!enter("exec", req, result)) return result;
    ExecReply reply;
    {
      std::lock_guard lock(mutex_);
      const Node* n = find(id, req, result);
      if (n == nullptr) return result;
      if (n->container.state != "running") {
        fail(result, engine::ErrorKind::not_running, req,
             "409 container " + n->container.name + " is not running");
        return result;
      }
      const auto it = exec_replies_.find(join(cmd, " "));
      if (it == exec_replies_.end()) {
        reply = {"", "exec: \"" + cmd.at(0) + "\": executable file not found in $PATH", 127};
      } else {
        reply = it->second;
      }
    }
    if (!reply.out.empty()) sink(reply.out);
    result.exit_code = reply.exit_code;
    result.stderr_text = reply.err;
    result.stdout_bytes = reply.out.size();
    return result;
  }

  engine::StreamResult logs(const std::string& id, const engine::ChunkSink& sink,
                            const engine::CallOptions&) override {
    engine::StreamResult result;
    const std::string req = "GET /containers/" + id + "/logs";
    if (!enter("logs", req, result)) return result;
    std::string text;
    {
      std::lock_guard lock(mutex_);
      const Node* n = find(id, req, result);
      if (n == nullptr) return result;
      text = n->logs;
    }
    result.bytes = text.size();
    if (!text.empty()) sink(text);
    return result;
  }

 private:
  void fail(engine::Outcome& out, engine::ErrorKind kind, const std::string& req,
            const std::string& reason) const {
    out.kind = kind;
    out.error = provider_ + " at " + endpoint_ + ": " + req + ": " + reason;
  }
  bool enter(const std::string& what, const std::string& req, engine::Outcome& out) {
    {
      std::lock_guard lock(mutex_);
      ++calls_[what];
    }
    if (refuse_.empty()) return true;
    fail(out, engine::ErrorKind::unavailable, req, refuse_);
    return false;
  }
  const Node* find(const std::string& id, const std::string& req, engine::Outcome& out) const {
    for (const auto& n : nodes_)
      if (n.container.id == id || n.container.name == id) return &n;
    fail(out, engine::ErrorKind::not_found, req, "404 No such container: " + id);
    return nullptr;
  }

  std::string provider_;
  std::string endpoint_;
  std::string refuse_;
  mutable std::mutex mutex_;
  std::vector<Node> nodes_;
  std::map<std::string, ExecReply> exec_replies_;
  std::map<std::string, int> calls_;
};

// A kind node container: labels, state and (optionally) 6443/tcp published on `host_port`.
inline engine::Container kind_node(const std::string& cluster, const std::string& name,
                                   const std::string& role, const std::string& state = "running",
                                   const std::string& host_port = "") {
  engine::Container c;
  c.id = "id-" + name;
  c.name = name;
  c.image = "kindest/node:v1.32.2";
  c.state = state;
  c.status = state == "running" ? "Up 5 minutes" : "Exited (137) 2 minutes ago";
  c.labels = {{"io.x-k8s.kind.cluster", cluster}, {"io.x-k8s.kind.role", role}};
  if (!host_port.empty()) c.ports.push_back({"6443/tcp", "127.0.0.1", host_port});
  return c;
}

}  // namespace kmg::testing
