#include "server.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "jaeger.h"
#include "selectors.h"
#include "tables.h"
#include "util/errors.h"
#include "util/text.h"
#include "util/timestamps.h"

namespace kmg::fakeapi {
namespace {

constexpr const char* kNotFoundPath = "the server could not find the requested resource";
constexpr const char* kExpiredMessage =
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list.";

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_json(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

void send_status(httplib::Response& res, int code, const std::string& reason,
                 const std::string& message, const json& details = nullptr) {
  send_json(res, code, make_status(code, reason, message, details));
}

void send_not_found_path(httplib::Response& res) {
  send_status(res, 404, "NotFound", kNotFoundPath, json::object());
}

void send_not_found(httplib::Response& res, const ResourceInfo& r, const std::string& name) {
  json details = {{"name", name}, {"kind", r.plural}};
  if (!r.group.empty()) details["group"] = r.group;
  send_status(res, 404, "NotFound", r.qualified() + " \"" + name + "\" not found", details);
}

std::string param(const httplib::Request& req, const std::string& key) {
  return req.has_param(key.c_str()) ? req.get_param_value(key.c_str()) : "";
}

bool truthy(const std::string& v) { return v == "true" || v == "1" || v == "True"; }

// base64url without padding, as apiserver continue tokens are.
std::string base64url(const std::string& data) {
  std::string b = base64_encode(data);
  for (auto& c : b) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

std::string unbase64url(std::string text) {
  for (auto& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  return base64_decode(text);
}

std::string make_continue(std::int64_t rv, const std::string& start) {
  return base64url(json{{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", start}}.dump());
}

std::string object_key(const json& obj) {
  const auto& md = obj["metadata"];
  return md.value("namespace", "") + "/" + md.value("name", "");
}

json resource_entry(const ResourceInfo& r) {
  json e = {{"name", r.plural},
            {"singularName", r.singular},
            {"namespaced", r.namespaced},
            {"kind", r.kind},
            {"verbs", r.verbs}};
  if (!r.short_names.empty()) e["shortNames"] = r.short_names;
  if (!r.categories.empty()) e["categories"] = r.categories;
  return e;
}

json subresource_entry(const ResourceInfo& r, const std::string& sub) {
  std::string kind = r.kind;
  std::vector<std::string> verbs = {"get", "patch", "update"};
  if (sub == "log") verbs = {"get"};
  if (sub == "proxy") {
    kind = r.kind + "ProxyOptions";
    verbs = {"create", "delete", "get", "patch", "update"};
  }
  if (sub == "exec" || sub == "attach" || sub == "portforward") {
    kind = r.kind + (sub == "exec"     ? "ExecOptions"
                     : sub == "attach" ? "AttachOptions"
                                       : "PortForwardOptions");
    verbs = {"create", "get"};
  }
  if (sub == "eviction" || sub == "binding" || sub == "token") verbs = {"create"};
  if (sub == "scale") kind = "Scale";
  if (sub == "finalize") verbs = {"update"};
  return {{"name", r.plural + "/" + sub},
          {"singularName", ""},
          {"namespaced", r.namespaced},
          {"kind", kind},
          {"verbs", verbs}};
}

struct LogOptions {
  bool timestamps = false;
  std::optional<std::int64_t> tail_lines;
  std::optional<std::int64_t> limit_bytes;
  std::optional<std::int64_t> since_seconds;
  std::optional<EpochNanos> since_time;
};

// kubelet's log filtering: since*, then tail, then the timestamp prefix, then limitBytes.
std::string render_log(const LogStream* stream, const LogOptions& o) {
  if (stream == nullptr) return "";
  struct Line {
    std::optional<EpochNanos> t;
    std::string_view full, text;
  };
  std::vector<Line> lines;
  lines.reserve(stream->lines.size());
  std::optional<EpochNanos> newest;
  for (const auto& l : stream->lines) {
    Line line{std::nullopt, l, l};
    const auto sp = l.find(' ');
    if (sp != std::string::npos) {
      line.t = parse_rfc3339(std::string_view(l).substr(0, sp));
      if (line.t) {
        line.text = std::string_view(l).substr(sp + 1);
        if (!newest || *line.t > *newest) newest = line.t;
      }
    }
    lines.push_back(line);
  }
  std::optional<EpochNanos> cutoff = o.since_time;
  // sinceSeconds counts back from the newest line of this log, so answers do not depend on "now".
  if (o.since_seconds && newest) cutoff = *newest - *o.since_seconds * 1000000000LL;
  if (cutoff) {
    std::vector<Line> kept;
    for (const auto& l : lines) {
      if (!l.t || *l.t >= *cutoff) kept.push_back(l);
    }
    lines.swap(kept);
  }
  size_t first = 0;
  if (o.tail_lines && *o.tail_lines >= 0 && static_cast<size_t>(*o.tail_lines) < lines.size()) {
    first = lines.size() - static_cast<size_t>(*o.tail_lines);
  }
  std::string out;
  for (size_t i = first; i < lines.size(); ++i) {
    out += o.timestamps ? lines[i].full : lines[i].text;
    out += '\n';
  }
  if (o.limit_bytes && *o.limit_bytes >= 0 && static_cast<size_t>(*o.limit_bytes) < out.size()) {
    out.resize(static_cast<size_t>(*o.limit_bytes));
  }
  return out;
}

std::optional<std::int64_t> int_param(const httplib::Request& req, const std::string& key) {
  const auto v = param(req, key);
  if (v.empty()) return std::nullopt;
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    throw SelectorError("invalid value for " + key + ": " + v);
  }
}

json find_container_status(const json& pod, const std::string& container) {
  const auto& status = pod.value("status", json::object());
  for (const char* field :
       {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"}) {
    for (const auto& c : status.value(field, json::array())) {
      if (c.value("name", "") == container) return c;
    }
  }
  return nullptr;
}

std::vector<std::string> container_names(const json& pod, const char* field) {
  std::vector<std::string> out;
  for (const auto& c : pod.value("spec", json::object()).value(field, json::array())) {
    out.push_back(c.value("name", ""));
  }
  return out;
}

}  // namespace

json make_status(int code, const std::string& reason, const std::string& message,
                 const json& details) {
  json s = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason}};
  if (!details.is_null()) s["details"] = details;
  s["code"] = code;
  return s;
}

ApiServer::ApiServer(const Store& store, ServerOptions options, const Pki& pki)
    : store_(store), options_(std::move(options)), rng_(options_.fault_seed) {
  server_ = std::make_unique<httplib::SSLServer>([&pki](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate(&ctx, pki.server.cert.get()) != 1) return false;
    if (SSL_CTX_use_PrivateKey(&ctx, pki.server.key.get()) != 1) return false;
    X509_STORE* trust = SSL_CTX_get_cert_store(&ctx);
    X509_STORE_add_cert(trust, pki.ca.cert.get());
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(pki.ca.cert.get())));
    SSL_CTX_set_client_CA_list(&ctx, names);
    // Like the apiserver (VerifyClientCertIfGiven): the handshake never fails over the client
    // certificate; a missing or untrusted one becomes a 401 per request.
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    // Clients resume TLS sessions (libcurl shares them across connections); with client
    // verification on, OpenSSL refuses resumption with an internal-error alert unless the
    // server names a session id context.
    static constexpr unsigned char kSessionContext[] = "kmg-fake-apiserver";
    SSL_CTX_set_session_id_context(&ctx, kSessionContext, sizeof kSessionContext - 1);
    return true;
  });
  if (!server_->is_valid()) throw Error("fake-apiserver: TLS setup failed");
  server_->new_task_queue = [] { return new httplib::ThreadPool(96); };
  server_->set_keep_alive_max_count(100000);
  server_->set_keep_alive_timeout(60);
  server_->set_read_timeout(300);
  server_->set_write_timeout(300);
  // Like Go's net/http (the real kube-apiserver), no Nagle: cpp-httplib writes headers and body
  // separately, and with Nagle on, the body waits for the client's delayed ACK (~40 ms a request).
  // Debian builds cpp-httplib as a library, so CPPHTTPLIB_TCP_NODELAY cannot be set at compile
  // time; accepted sockets inherit the option from the listening one.
  server_->set_socket_options([](int sock) {
    httplib::default_socket_options(sock);
    const int on = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  });
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server_->Get(".*", handler);
  auto refuse = [this](const httplib::Request& req, httplib::Response& res) {
    if (!authenticated(req)) {
      send_status(res, 401, "Unauthorized", "Unauthorized");
      return;
    }
    send_status(res, 405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource", json::object());
  };
  server_->Post(".*", refuse);
  server_->Put(".*", refuse);
  server_->Patch(".*", refuse);
  server_->Delete(".*", refuse);
}

ApiServer::~ApiServer() { stop(); }

int ApiServer::bind() {
  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.address.c_str());
  } else if (!server_->bind_to_port(options_.address.c_str(), port)) {
    port = -1;
  }
  if (port <= 0) {
    throw Error("fake-apiserver: cannot bind " + options_.address + ":" +
                std::to_string(options_.port));
  }
  return port;
}

void ApiServer::run() { server_->listen_after_bind(); }

void ApiServer::stop() {
  stopping_ = true;
  if (server_) server_->stop();
}

bool ApiServer::authenticated(const httplib::Request& req) const {
  if (req.ssl == nullptr) return false;
  SSL* ssl = const_cast<SSL*>(req.ssl);
  X509* peer = SSL_get_peer_certificate(ssl);
  if (peer == nullptr) return false;
  X509_free(peer);
  return SSL_get_verify_result(ssl) == X509_V_OK;
}

bool ApiServer::draw(double rate) {
  if (rate <= 0) return false;
  std::lock_guard<std::mutex> lock(rng_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < rate;
}

json ApiServer::version_body() const {
  json v = {{"major", "1"},
            {"minor", "32"},
            {"gitVersion", "v1.32.2"},
            {"gitCommit", "67a30c0adcf52bd3f56ff0893ce19966be12991f"},
            {"gitTreeState", "clean"},
            {"buildDate", "2025-02-12T21:19:47Z"},
            {"goVersion", "go1.23.6"},
            {"compiler", "gc"},
            {"platform", "linux/amd64"}};
  v.update(store_.server_version_overrides());
  if (!options_.server_version.empty()) {
    const auto parts = split(options_.server_version, '.');
    v["major"] = parts.at(0);
    v["minor"] = parts.size() > 1 ? parts[1] : "0";
    v["gitVersion"] = "v" + parts.at(0) + "." + v["minor"].get<std::string>() + "." +
                      (parts.size() > 2 ? parts[2] : "2");
  }
  return v;
}

bool ApiServer::serve_discovery(const std::string& path, httplib::Response& res) const {
  if (path == "/version" || path == "/version/") {
    send_json(res, 200, version_body());
    return true;
  }
  if (path == "/healthz" || path == "/livez" || path == "/readyz") {
    res.set_content("ok", "text/plain; charset=utf-8");
    return true;
  }
  if (path == "/api" || path == "/api/") {
    send_json(res, 200,
              {{"kind", "APIVersions"},
               {"versions", {"v1"}},
               {"serverAddressByClientCIDRs",
                {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "172.18.0.2:6443"}}}}});
    return true;
  }
  auto group_json = [](const std::string& name, const std::vector<std::string>& versions) {
    json vs = json::array();
    for (const auto& v : versions) vs.push_back({{"groupVersion", name + "/" + v}, {"version", v}});
    return json{{"name", name},
                {"versions", vs},
                {"preferredVersion",
                 {{"groupVersion", name + "/" + versions[0]}, {"version", versions[0]}}}};
  };
  const auto groups = store_.groups();
  if (path == "/apis" || path == "/apis/") {
    json list = json::array();
    for (const auto& [name, versions] : groups) list.push_back(group_json(name, versions));
    send_json(res, 200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", list}});
    return true;
  }
  std::string group, version;
  if (path == "/api/v1" || path == "/api/v1/") {
    version = "v1";
  } else if (path.rfind("/apis/", 0) == 0) {
    auto segs = split(path.substr(6), '/');
    while (!segs.empty() && segs.back().empty()) segs.pop_back();
    if (segs.size() == 1) {
      for (const auto& [name, versions] : groups) {
        if (name == segs[0]) {
          json g = group_json(name, versions);
          g["kind"] = "APIGroup";
          g["apiVersion"] = "v1";
          send_json(res, 200, g);
          return true;
        }
      }
      send_not_found_path(res);
      return true;
    }
    if (segs.size() != 2) return false;
    group = segs[0];
    version = segs[1];
  } else {
    return false;
  }
  json resources = json::array();
  bool any = false;
  for (const auto& r : store_.resources()) {
    if (r.group != group || r.version != version) continue;
    any = true;
    resources.push_back(resource_entry(r));
    for (const auto& sub : r.subresources) resources.push_back(subresource_entry(r, sub));
  }
  if (!any) {
    send_not_found_path(res);
    return true;
  }
  send_json(res, 200,
            {{"kind", "APIResourceList"},
             {"apiVersion", "v1"},
             {"groupVersion", group.empty() ? version : group + "/" + version},
             {"resources", resources}});
  return true;
}

void ApiServer::handle(const httplib::Request& req, httplib::Response& res) {
  if (!authenticated(req)) {
    send_status(res, 401, "Unauthorized", "Unauthorized");
    return;
  }
  for (const auto& prefix : options_.hang_paths) {
    if (!prefix.empty() && req.path.rfind(prefix, 0) == 0) {
      // Never answer: hold the request until the client gives up or the server stops.
      while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      send_status(res, 503, "ServiceUnavailable", "server shutting down");
      return;
    }
  }
  if (options_.latency_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
  }
  try {
    if (serve_discovery(req.path, res)) return;
    std::string group, version;
    std::vector<std::string> segs;
    if (req.path.rfind("/api/v1/", 0) == 0) {
      version = "v1";
      segs = split(req.path.substr(8), '/');
    } else if (req.path.rfind("/apis/", 0) == 0) {
      segs = split(req.path.substr(6), '/');
      if (segs.size() < 3) {
        send_not_found_path(res);
        return;
      }
      group = segs[0];
      version = segs[1];
      segs.erase(segs.begin(), segs.begin() + 2);
    } else {
      send_not_found_path(res);
      return;
    }
    // Faults apply to resource requests only, so discovery (and thus every client) still works.
    if (draw(options_.throttle_rate)) {
      res.status = 429;
      res.set_header("Retry-After", std::to_string(options_.retry_after));
      res.set_content("Too many requests, please try again later.\n", "text/plain; charset=utf-8");
      return;
    }
    if (draw(options_.fault_500_rate)) {
      send_status(
          res, 500, "InternalError",
          "Internal error occurred: injected fault (fake-apiserver --fault-500-rate)",
          {{"causes", {{{"message", "injected fault (fake-apiserver --fault-500-rate)"}}}}});
      return;
    }
    serve_resource(req, res, group, version, segs);
  } catch (const SelectorError& e) {
    send_status(res, 400, "BadRequest", e.what());
  } catch (const std::exception& e) {
    send_status(res, 500, "InternalError", std::string("Internal error occurred: ") + e.what());
  }
}

bool ApiServer::forbidden(httplib::Response& res, const ResourceInfo& r, const std::string& sub,
                          const std::string& verb, const std::string& ns,
                          const std::string& name) const {
  const std::string resource = sub.empty() ? r.plural : r.plural + "/" + sub;
  const std::string qualified = sub.empty() ? r.qualified() : r.qualified() + "/" + sub;
  const bool hit = std::any_of(options_.forbid.begin(), options_.forbid.end(), [&](const auto& f) {
    return f == resource || f == qualified || f == r.qualified();
  });
  if (!hit) return false;
  std::string msg = "User \"kubernetes-admin\" cannot " + verb + " resource \"" + resource +
                    "\" in API group \"" + r.group + "\"";
  msg += ns.empty() ? " at the cluster scope" : " in the namespace \"" + ns + "\"";
  const std::string subject = name.empty() ? r.qualified() : r.qualified() + " \"" + name + "\"";
  json details = {{"kind", r.plural}};
  if (!name.empty()) details["name"] = name;
  if (!r.group.empty()) details["group"] = r.group;
  send_status(res, 403, "Forbidden", subject + " is forbidden: " + msg, details);
  return true;
}

void ApiServer::serve_resource(const httplib::Request& req, httplib::Response& res,
                               const std::string& group, const std::string& version,
                               const std::vector<std::string>& segs_in) {
  std::vector<std::string> segs = segs_in;
  const bool trailing_slash = !segs.empty() && segs.back().empty();
  if (trailing_slash) segs.pop_back();
  if (segs.empty()) {
    send_not_found_path(res);
    return;
  }
  std::string ns, plural, name, sub;
  size_t rest_index = 0;
  if (segs[0] == "namespaces" && segs.size() >= 3 && store_.find(group, version, segs[2]) &&
      store_.find(group, version, segs[2])->namespaced) {
    ns = segs[1];
    plural = segs[2];
    if (segs.size() > 3) name = segs[3];
    if (segs.size() > 4) sub = segs[4];
    rest_index = 5;
  } else {
    plural = segs[0];
    if (segs.size() > 1) name = segs[1];
    if (segs.size() > 2) sub = segs[2];
    rest_index = 3;
  }
  const ResourceInfo* r = store_.find(group, version, plural);
  if (r == nullptr || (r->namespaced && ns.empty() && !name.empty())) {
    send_not_found_path(res);
    return;
  }
  if (name.empty()) {
    if (forbidden(res, *r, "", "list", ns, "")) return;
    if (truthy(param(req, "watch"))) {
      send_status(res, 405, "MethodNotAllowed", "watch is not supported by the fake apiserver",
                  json::object());
      return;
    }
    serve_list(req, res, *r, ns);
    return;
  }
  if (sub.empty()) {
    if (forbidden(res, *r, "", "get", ns, name)) return;
    serve_get(req, res, *r, ns, name);
    return;
  }
  if (forbidden(res, *r, sub, "get", ns, name)) return;
  if (r->group.empty() && r->plural == "pods" && sub == "log" && segs.size() == rest_index) {
    serve_log(req, res, ns, name);
    return;
  }
  if (r->group.empty() && r->plural == "services" && sub == "proxy") {
    // Everything after ".../proxy", with the client's trailing slash kept.
    std::string rest;
    for (size_t i = rest_index; i < segs.size(); ++i) rest += "/" + segs[i];
    if (rest.empty() || trailing_slash) rest += "/";
    serve_proxy(req, res, ns, name, rest);
    return;
  }
  if (sub == "status" && segs.size() == rest_index &&
      std::find(r->subresources.begin(), r->subresources.end(), "status") !=
          r->subresources.end()) {
    serve_get(req, res, *r, ns, name);
    return;
  }
  send_not_found_path(res);
}

json ApiServer::output_object(const ResourceInfo& r, const json& obj, bool in_list) const {
  json out = obj;
  if (r.custom || !in_list) {
    out["apiVersion"] = r.group_version();
    out["kind"] = r.kind;
  } else {
    out.erase("apiVersion");
    out.erase("kind");
  }
  return out;
}

void ApiServer::serve_list(const httplib::Request& req, httplib::Response& res,
                           const ResourceInfo& r, const std::string& ns) {
  const auto cont = param(req, "continue");
  const auto rv = param(req, "resourceVersion");
  if (!cont.empty() && !rv.empty() && rv != "0") {
    throw SelectorError("specifying resource version is not allowed when using continue");
  }
  if (!param(req, "resourceVersionMatch").empty() && rv.empty()) {
    throw SelectorError("resourceVersionMatch is forbidden unless resourceVersion is provided");
  }
  const auto labels = parse_label_selector(param(req, "labelSelector"));
  const auto fields = parse_field_selector(param(req, "fieldSelector"));
  check_fields_supported(r, fields);
  std::int64_t limit = int_param(req, "limit").value_or(0);
  std::string start;
  if (!cont.empty()) {
    json token;
    try {
      token = json::parse(unbase64url(cont));
    } catch (const std::exception&) {
      throw SelectorError("continue key is not valid: illegal base64 data or malformed JSON");
    }
    if (token.value("v", "") != "meta.k8s.io/v1" || !token.contains("start")) {
      throw SelectorError(
          "continue key is not valid: incorrect encoded start resourceVersion (version "
          "meta.k8s.io/v1)");
    }
    start = token["start"].get<std::string>();
    // --expire-continue: every token minted by a normal page is "compacted"; the fresh token in
    // the 410 carries a newer resourceVersion and is accepted, as after a real compaction.
    if (options_.expire_continue &&
        token.value("rv", std::int64_t{0}) <= store_.resource_version()) {
      json status = make_status(410, "Expired", kExpiredMessage);
      status["metadata"] = {{"continue", make_continue(store_.resource_version() + 1, start)}};
      send_json(res, 410, status);
      return;
    }
  }
  const bool filtered = !labels.empty() || !fields.empty();
  std::vector<json> page;
  std::string next;
  std::int64_t remaining = 0;
  for (const auto& obj : store_.objects(r)) {
    const auto& md = obj["metadata"];
    if (!ns.empty() && md.value("namespace", "") != ns) continue;
    if (!start.empty() && object_key(obj) < start) continue;
    if (!labels_match(labels, md.value("labels", json::object()))) continue;
    if (!fields_match(r, fields, obj)) continue;
    if (limit > 0 && static_cast<std::int64_t>(page.size()) >= limit) {
      if (next.empty())
        next = make_continue(store_.resource_version(), object_key(page.back()) + '\0');
      ++remaining;
      continue;
    }
    page.push_back(output_object(r, obj, true));
  }
  json metadata = {{"resourceVersion", std::to_string(store_.resource_version())}};
  if (!next.empty()) {
    metadata["continue"] = next;
    if (!filtered) metadata["remainingItemCount"] = remaining;
  }
  const auto accept = req.get_header_value("Accept");
  if (accept.find("as=Table") != std::string::npos) {
    auto include = param(req, "includeObject");
    json table = make_table(r, page, include.empty() ? "Metadata" : include, now_seconds());
    table["metadata"] = metadata;
    send_json(res, 200, table);
    return;
  }
  send_json(res, 200,
            {{"kind", r.kind + "List"},
             {"apiVersion", r.group_version()},
             {"metadata", metadata},
             {"items", page}});
}

void ApiServer::serve_get(const httplib::Request& req, httplib::Response& res,
                          const ResourceInfo& r, const std::string& ns, const std::string& name) {
  const json* obj = store_.get(r, ns, name);
  if (obj == nullptr) {
    send_not_found(res, r, name);
    return;
  }
  if (req.get_header_value("Accept").find("as=Table") != std::string::npos) {
    auto include = param(req, "includeObject");
    json table = make_table(r, {*obj}, include.empty() ? "Metadata" : include, now_seconds());
    table["metadata"] = {{"resourceVersion", (*obj)["metadata"].value("resourceVersion", "")}};
    send_json(res, 200, table);
    return;
  }
  send_json(res, 200, output_object(r, *obj, false));
}

void ApiServer::serve_log(const httplib::Request& req, httplib::Response& res,
                          const std::string& ns, const std::string& pod_name) {
  const ResourceInfo* pods = store_.find("", "v1", "pods");
  const json* pod = store_.get(*pods, ns, pod_name);
  if (pod == nullptr) {
    send_not_found(res, *pods, pod_name);
    return;
  }
  std::string container = param(req, "container");
  const auto containers = container_names(*pod, "containers");
  const auto inits = container_names(*pod, "initContainers");
  const auto ephemeral = container_names(*pod, "ephemeralContainers");
  if (container.empty()) {
    if (containers.size() == 1) {
      container = containers[0];
    } else {
      std::string msg = "a container name must be specified for pod " + pod_name +
                        ", choose one of: [" + join(containers, " ") + "]";
      if (!inits.empty()) msg += " or one of the init containers: [" + join(inits, " ") + "]";
      if (!ephemeral.empty()) {
        msg += " or one of the ephemeral containers: [" + join(ephemeral, " ") + "]";
      }
      throw SelectorError(msg);
    }
  }
  auto known = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), container) != v.end();
  };
  if (!known(containers) && !known(inits) && !known(ephemeral)) {
    throw SelectorError("container " + container + " is not valid for pod " + pod_name);
  }
  const bool previous = truthy(param(req, "previous"));
  const LogStream* stream = store_.find_log(ns, pod_name, container, previous);
  if (stream == nullptr) {
    // kubelet validateContainerLogStatus: what the container's status allows.
    const json status = find_container_status(*pod, container);
    const std::string who = "container \"" + container + "\" in pod \"" + pod_name + "\"";
    if (status.is_null()) throw SelectorError(who + " is not available");
    const auto& state = status.value("state", json::object());
    const bool has_last = status.value("lastState", json::object()).contains("terminated");
    if (previous) {
      if (!has_last) {
        throw SelectorError("previous terminated container \"" + container + "\" in pod \"" +
                            pod_name + "\" not found");
      }
    } else if (!state.contains("running") && !state.contains("terminated") && !has_last) {
      const auto reason =
          state.contains("waiting") ? state["waiting"].value("reason", "") : std::string();
      if (reason == "ErrImagePull")
        throw SelectorError(who + " is waiting to start: image can't be pulled");
      if (reason == "ImagePullBackOff") {
        throw SelectorError(who + " is waiting to start: trying and failing to pull image");
      }
      if (!reason.empty()) throw SelectorError(who + " is waiting to start: " + reason);
      throw SelectorError(who + " is waiting to start - no logs yet");
    }
  }
  LogOptions o;
  o.timestamps = truthy(param(req, "timestamps"));
  o.tail_lines = int_param(req, "tailLines");
  o.limit_bytes = int_param(req, "limitBytes");
  o.since_seconds = int_param(req, "sinceSeconds");
  if (const auto t = param(req, "sinceTime"); !t.empty()) {
    o.since_time = parse_rfc3339(t);
    if (!o.since_time) throw SelectorError("invalid sinceTime: " + t);
  }
  auto body = std::make_shared<std::string>(render_log(stream, o));
  const std::int64_t cut = options_.cut_logs_after;
  if (cut < 0 || static_cast<std::size_t>(cut) >= body->size()) {
    res.set_content(*body, "text/plain");
    return;
  }
  // --cut-logs-after: stream the first N bytes, then drop the connection mid-body.
  res.set_chunked_content_provider(
      "text/plain", [body, cut](size_t offset, httplib::DataSink& sink) {
        if (offset >= static_cast<size_t>(cut)) return false;
        sink.write(body->data() + offset, static_cast<size_t>(cut) - offset);
        return true;
      });
}

void ApiServer::serve_proxy(const httplib::Request& req, httplib::Response& res,
                            const std::string& ns, const std::string& target,
                            const std::string& rest) {
  // "[scheme:]name[:port]" (apimachinery SplitSchemeNamePort).
  auto parts = split(target, ':');
  std::string name = target;
  std::string port;
  if (parts.size() == 2) {
    name = parts[0];
    port = parts[1];
  } else if (parts.size() == 3) {
    if (parts[0] != "http" && parts[0] != "https" && !parts[0].empty()) {
      throw SelectorError("invalid service request \"" + target + "\"");
    }
    name = parts[1];
    port = parts[2];
  } else if (parts.size() > 3) {
    throw SelectorError("invalid service request \"" + target + "\"");
  }
  const JaegerBackend* backend = store_.find_jaeger(ns, name);
  if (backend != nullptr && !port.empty() && port != std::to_string(backend->port) &&
      !std::all_of(port.begin(), port.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) || c == '-';
      })) {
    backend = nullptr;
  }
  if (backend == nullptr) {
    const ResourceInfo* services = store_.find("", "v1", "services");
    if (store_.get(*services, ns, name) == nullptr && store_.find_jaeger(ns, name) == nullptr) {
      send_not_found(res, *services, name);
      return;
    }
    send_status(res, 503, "ServiceUnavailable",
                "no endpoints available for service \"" + name + "\"");
    return;
  }
  QueryParams params(req.params.begin(), req.params.end());
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto reply = serve_jaeger(*backend, rest, params, now_us);
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace kmg::fakeapi
