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
#include "util/errors.h"
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

  std::vector<engine::Container> list_containers(const std::string& label_filter) override {
    enter("list", "GET /containers/json");
    const auto eq = label_filter.find('=');
    const std::string key = label_filter.substr(0, eq);
    std::vector<engine::Container> out;
    std::lock_guard lock(mutex_);
    for (const auto& n : nodes_) {
      const auto it = n.container.labels.find(key);
      if (it == n.container.labels.end()) continue;
      if (eq != std::string::npos && it->second != label_filter.substr(eq + 1)) continue;
      out.push_back(n.container);
    }
    return out;
  }

  std::string inspect(const std::string& id) override {
    enter("inspect", "GET /containers/" + id + "/json");
    std::lock_guard lock(mutex_);
    const Node& n = find(id, "GET /containers/" + id + "/json");
    if (!n.inspect.is_null()) return n.inspect.dump();
    nlohmann::json ports = nlohmann::json::object();
    for (const auto& p : n.container.ports)
      ports[p.container_port].push_back({{"HostIp", p.host_ip}, {"HostPort", p.host_port}});
    return nlohmann::json{{"Id", n.container.id},
                          {"Name", "/" + n.container.name},
                          {"State", {{"Status", n.container.state}}},
                          {"Config", {{"Labels", n.container.labels}, {"Tty", true}}},
                          {"NetworkSettings", {{"Ports", ports}}}}
        .dump();
  }

  void archive(const std::string& id, const std::string& path,
               const engine::ChunkSink& sink) override {
    const std::string req = "GET /containers/" + id + "/archive?path=" + path;
    enter("archive", req);
    std::string tar;
    {
      std::lock_guard lock(mutex_);
      const Node& n = find(id, req);
      const auto it = n.files.find(path);
      if (it == n.files.end()) fail(req, "404 Could not find the file " + path);
      tar = make_tar(path.substr(path.find_last_of('/') + 1), it->second);
    }
    // Two chunks, so readers must join them.
    const auto half = tar.size() / 2;
    if (sink(std::string_view(tar).substr(0, half))) sink(std::string_view(tar).substr(half));
  }

  engine::ExecResult exec(const std::string& id, const std::vector<std::string>& cmd,
                          const engine::ChunkSink& sink) override {
    const std::string req = "POST /containers/" + id + "/exec";
    enter("exec", req);
    ExecReply reply;
    {
      std::lock_guard lock(mutex_);
      const Node& n = find(id, req);
      if (n.container.state != "running")
        fail(req, "409 container " + n.container.name + " is not running");
      const auto it = exec_replies_.find(join(cmd, " "));
      if (it == exec_replies_.end()) {
        reply = {"", "exec: \"" + cmd.at(0) + "\": executable file not found in $PATH", 127};
      } else {
        reply = it->second;
      }
    }
    if (!reply.out.empty()) sink(reply.out);
    return {reply.exit_code, reply.err};
  }

  void logs(const std::string& id, const engine::ChunkSink& sink) override {
    const std::string req = "GET /containers/" + id + "/logs";
    enter("logs", req);
    std::string text;
    {
      std::lock_guard lock(mutex_);
      text = find(id, req).logs;
    }
    if (!text.empty()) sink(text);
  }

 private:
  [[noreturn]] void fail(const std::string& req, const std::string& reason) const {
    throw Error(provider_ + " at " + endpoint_ + ": " + req + ": " + reason);
  }
  void enter(const std::string& what, const std::string& req) {
    {
      std::lock_guard lock(mutex_);
      ++calls_[what];
    }
    if (!refuse_.empty()) fail(req, refuse_);
  }
  const Node& find(const std::string& id, const std::string& req) const {
    for (const auto& n : nodes_)
      if (n.container.id == id || n.container.name == id) return n;
    fail(req, "404 No such container: " + id);
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
