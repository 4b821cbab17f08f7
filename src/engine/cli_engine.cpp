#include "engine/cli_engine.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "engine/classify.h"
#include "util/errors.h"
#include "util/process.h"
#include "util/text.h"

namespace kmg::engine {

namespace {

bool starts_label_key(std::string_view part) {
  // A label starts with a key such as "io.x-k8s.kind.role=" or "nerdctl/ports=".
  const auto eq = part.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  for (const char ch : part.substr(0, eq)) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '/')) return false;
  }
  return true;
}

std::string json_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return "";
}

std::string last_line(const std::string& text) {
  const auto lines = split(std::string(trim(text)), '\n');
  return lines.empty() ? "" : std::string(trim(lines.back()));
}

Container container_from_ps(const nlohmann::json& item) {
  Container c;
  c.id = json_text(item.value("ID", item.value("Id", nlohmann::json())));
  const auto names = item.value("Names", nlohmann::json());
  if (names.is_array() && !names.empty()) {
    c.name = json_text(names[0]);
  } else {
    // docker joins several names (links) with commas.
    c.name = split(json_text(names), ',').empty() ? "" : split(json_text(names), ',')[0];
  }
  if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
  c.image = json_text(item.value("Image", nlohmann::json()));
  c.status = json_text(item.value("Status", nlohmann::json()));
  c.state = to_lower(json_text(item.value("State", nlohmann::json())));
  if (c.state.empty()) c.state = state_from_status(c.status);

  const auto labels = item.value("Labels", nlohmann::json());
  if (labels.is_object()) {
    for (const auto& [k, v] : labels.items()) c.labels[k] = json_text(v);
  } else if (labels.is_string()) {
    c.labels = parse_label_string(labels.get<std::string>());
  }

  const auto ports = item.value("Ports", nlohmann::json());
  if (ports.is_string()) {
    c.ports = parse_port_string(ports.get<std::string>());
  } else if (ports.is_array()) {
    for (const auto& p : ports) {
      if (!p.is_object()) continue;
      const long long host = p.value("host_port", 0LL);
      const long long container = p.value("container_port", 0LL);
      const long long range = std::max(1LL, p.value("range", 1LL));
      const std::string proto = p.value("protocol", "tcp");
      for (long long i = 0; i < range && host > 0; ++i) {
        c.ports.push_back({std::to_string(container + i) + "/" + proto, p.value("host_ip", ""),
                           std::to_string(host + i)});
      }
    }
  }
  return c;
}

}  // namespace

std::map<std::string, std::string> parse_label_string(const std::string& text) {
  std::vector<std::string> labels;
  for (const auto& part : split(text, ',')) {
    if (labels.empty() || starts_label_key(part)) {
      labels.push_back(part);
    } else {
      labels.back() += "," + part;
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& label : labels) {
    const auto eq = label.find('=');
    if (label.empty()) continue;
    if (eq == std::string::npos) {
      out[label] = "";
    } else {
      out[label.substr(0, eq)] = label.substr(eq + 1);
    }
  }
  return out;
}

std::vector<PortBinding> parse_port_string(const std::string& text) {
  std::vector<PortBinding> out;
  for (const auto& raw : split(text, ',')) {
    const std::string entry(trim(raw));
    const auto arrow = entry.find("->");
    if (arrow == std::string::npos) continue;  // "9000/tcp": exposed, not published
    const std::string host = entry.substr(0, arrow);
    const std::string container = entry.substr(arrow + 2);
    const auto colon = host.rfind(':');
    if (colon == std::string::npos) continue;
    std::string ip = host.substr(0, colon);
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    const std::string host_port = host.substr(colon + 1);
    const auto slash = container.find('/');
    const std::string cport = container.substr(0, slash);
    const std::string proto = slash == std::string::npos ? "tcp" : container.substr(slash + 1);
    const auto host_dash = host_port.find('-');
    const auto cont_dash = cport.find('-');
    if (host_dash == std::string::npos || cont_dash == std::string::npos) {
      out.push_back({cport + "/" + proto, ip, host_port});
      continue;
    }
    // A range "8000-8001->8000-8001/tcp": one binding per port.
    try {
      const int h0 = std::stoi(host_port.substr(0, host_dash));
      const int c0 = std::stoi(cport.substr(0, cont_dash));
      const int c1 = std::stoi(cport.substr(cont_dash + 1));
      for (int i = 0; c0 + i <= c1; ++i)
        out.push_back({std::to_string(c0 + i) + "/" + proto, ip, std::to_string(h0 + i)});
    } catch (const std::exception&) {
      continue;
    }
  }
  return out;
}

std::string state_from_status(const std::string& status) {
  const std::string s = to_lower(trim(status));
  if (s.rfind("up", 0) == 0) return s.find("(paused)") != std::string::npos ? "paused" : "running";
  for (const char* state :
       {"exited", "created", "restarting", "removing", "dead", "paused", "stopped", "running"}) {
    if (s.rfind(state, 0) == 0) return state;
  }
  return s.empty() ? "unknown" : s;
}

std::vector<Container> parse_ps_output(const std::string& text) {
  std::vector<Container> out;
  const std::string_view body = trim(text);
  if (body.empty()) return out;
  if (body.front() == '[') {
    try {
      for (const auto& item : nlohmann::json::parse(body))
        if (item.is_object()) out.push_back(container_from_ps(item));
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("ps output is not a JSON array: ") + e.what());
    }
    return out;
  }
  int number = 0;
  for (const auto& line : split(std::string(body), '\n')) {
    ++number;
    if (trim(line).empty()) continue;
    try {
      const auto item = nlohmann::json::parse(line);
      if (item.is_object()) out.push_back(container_from_ps(item));
    } catch (const nlohmann::json::exception& e) {
      throw Error("ps output line " + std::to_string(number) + " is not JSON (" +
                  std::string(trim(line)).substr(0, 80) + "): " + e.what());
    }
  }
  return out;
}

CliEngine::CliEngine(std::string provider, std::string binary, CliEngineOptions options)
    : provider_(std::move(provider)), binary_(std::move(binary)), options_(options) {}

Outcome CliEngine::failure(ErrorKind kind, const std::vector<std::string>& args,
                           const std::string& reason) const {
  std::vector<std::string> shown(args.begin(),
                                 args.begin() + std::min<std::size_t>(args.size(), 4));
  Outcome out;
  out.kind = kind;
  out.error = provider_ + " CLI " + binary_ + ": " + join(shown, " ") +
              (args.size() > 4 ? " ..." : "") + ": " + reason;
  return out;
}

namespace {

// The CLI's own complaint, as opposed to the command's: "Error response from daemon: ..."
// (docker), "Error: ..." with podman's 125-127, or the runtime's exec failure.
bool engine_complaint(const ProcessResult& r) {
  const std::string err = to_lower(trim(r.stderr_text));
  if (is_exec_start_failure(err) || err.rfind("error response from daemon", 0) == 0) return true;
  return r.exit_code >= 125 && r.exit_code <= 127 && err.rfind("error: ", 0) == 0;
}

}  // namespace

Outcome CliEngine::run(const std::vector<std::string>& args, std::string& out) {
  std::vector<std::string> argv{binary_};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions po;
  po.timeout = options_.command_timeout;
  const ProcessResult r = run_process_capture(argv, out, po);
  if (!r.spawn_error.empty()) return failure(ErrorKind::unavailable, args, r.spawn_error);
  if (r.timed_out) return failure(ErrorKind::timed_out, args, r.describe(po.timeout));
  if (!r.succeeded()) {
    const std::string reason = r.describe(po.timeout);
    return failure(kind_from_message(reason), args,
                   r.stderr_text.empty() ? reason
                                         : "exit code " + std::to_string(r.exit_code) + ": " +
                                               last_line(r.stderr_text));
  }
  return {};
}

StreamResult CliEngine::stream(const std::vector<std::string>& args, const ChunkSink& sink,
                               bool merge, const CallOptions& options) {
  std::vector<std::string> argv{binary_};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions po;
  po.timeout = options.timeout.count() > 0 ? options.timeout : options_.stream_timeout;
  po.merge_stderr = merge;
  StreamResult result;
  const ProcessResult r = run_process(
      argv,
      [&](std::string_view chunk) {
        result.bytes += chunk.size();
        return sink(chunk);
      },
      po);
  result.stopped_by_sink = r.stopped_by_sink;
  if (!r.spawn_error.empty()) {
    static_cast<Outcome&>(result) = failure(ErrorKind::unavailable, args, r.spawn_error);
  } else if (r.timed_out) {
    static_cast<Outcome&>(result) = failure(ErrorKind::timed_out, args, r.describe(po.timeout));
  } else if (!r.stopped_by_sink && !r.succeeded()) {
    static_cast<Outcome&>(result) =
        failure(kind_from_message(r.stderr_text), args, r.describe(po.timeout));
  }
  return result;
}

Outcome CliEngine::check_available() {
  std::string out;
  return run({"version"}, out);
}

ListResult CliEngine::list_containers(const std::string& label_filter) {
  const std::vector<std::string> args{"ps",       "-a",        "--filter", "label=" + label_filter,
                                      "--format", "{{json .}}"};
  ListResult result;
  std::string out;
  static_cast<Outcome&>(result) = run(args, out);
  if (!result.ok()) return result;
  try {
    result.containers = parse_ps_output(out);
  } catch (const Error& e) {
    static_cast<Outcome&>(result) = failure(ErrorKind::failed, args, e.what());
  }
  return result;
}

InspectResult CliEngine::inspect(const std::string& id) {
  const std::vector<std::string> args{"inspect", id};
  InspectResult result;
  std::string out;
  static_cast<Outcome&>(result) = run(args, out);
  if (!result.ok()) return result;
  const auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_array() && !j.empty()) {
    result.json = j[0].dump();
  } else if (j.is_object()) {
    result.json = j.dump();
  } else {
    static_cast<Outcome&>(result) = j.is_discarded()
                                        ? failure(ErrorKind::failed, args, "invalid JSON")
                                        : failure(ErrorKind::not_found, args, "no such container");
  }
  return result;
}

StreamResult CliEngine::archive(const std::string& id, const std::string& path,
                                const ChunkSink& sink, const CallOptions& options) {
  if (provider_ == "docker" || provider_ == "podman")
    return stream({"cp", id + ":" + path, "-"}, sink, false, options);
  std::string dir = "/", base = path;
  const auto slash = path.find_last_of('/');
  if (slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
    base = path.substr(slash + 1);
  }
  if (base.empty()) base = ".";
  return stream({"exec", id, "tar", "-C", dir, "-cf", "-", base}, sink, false, options);
}

ExecResult CliEngine::exec(const std::string& id, const std::vector<std::string>& cmd,
                           const ChunkSink& sink, const CallOptions& options) {
  std::vector<std::string> args{"exec"};
  if (options.privileged) args.push_back("--privileged");
  args.push_back(id);
  args.insert(args.end(), cmd.begin(), cmd.end());
  std::vector<std::string> argv{binary_};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions po;
  po.timeout = options.timeout.count() > 0 ? options.timeout : options_.stream_timeout;
  ExecResult result;
  const ProcessResult r = run_process(
      argv,
      [&](std::string_view chunk) {
        result.stdout_bytes += chunk.size();
        return sink(chunk);
      },
      po);
  result.stderr_text = r.stderr_text;
  result.stopped_by_sink = r.stopped_by_sink;
  result.exit_code = r.exit_code;
  if (!r.spawn_error.empty()) {
    static_cast<Outcome&>(result) = failure(ErrorKind::unavailable, args, r.spawn_error);
  } else if (r.timed_out) {
    static_cast<Outcome&>(result) = failure(ErrorKind::timed_out, args, r.describe(po.timeout));
  } else if (!r.succeeded() && !r.stopped_by_sink && engine_complaint(r)) {
    static_cast<Outcome&>(result) =
        failure(kind_from_message(r.stderr_text), args, last_line(r.stderr_text));
  }
  return result;
}

StreamResult CliEngine::logs(const std::string& id, const ChunkSink& sink,
                             const CallOptions& options) {
  return stream({"logs", "--timestamps", id}, sink, true, options);
}

}  // namespace kmg::engine
