// Traces: requests that failed, grouped by the service and operation that answered, with the
// failing downstream call named.
#include "report/detectors/traces.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "report/detectors/common.h"
#include "util/text.h"
#include "util/timestamps.h"

namespace kmg::report::detect {
namespace {

constexpr std::size_t kTracesInEvidence = 5;

std::string span_tag(const SpanInfo& s, std::string_view key) {
  for (const auto& [k, v] : s.tags)
    if (k == key) return v;
  return {};
}

// "http.status_code=503, otel.status_code=ERROR": the tags that say how the span ended.
std::string status_tags(const SpanInfo& s) {
  std::vector<std::string> out;
  for (const char* k : {"http.status_code", "http.response.status_code", "rpc.grpc.status_code",
                        "otel.status_code"}) {
    const std::string v = span_tag(s, k);
    if (!v.empty()) out.push_back(std::string(k) + "=" + v);
  }
  return join(out, ", ");
}

// Whom a span called, from its peer tags: "gateway-api (gateway-api.ns.svc:8080)", or empty.
std::string span_peer(const SpanInfo& s) {
  std::string host = span_tag(s, "net.peer.name");
  std::string port = span_tag(s, "net.peer.port");
  if (host.empty()) {
    host = span_tag(s, "server.address");
    port = span_tag(s, "server.port");
  }
  const std::string address = host.empty() ? "" : host + (port.empty() ? "" : ":" + port);
  const std::string peer = span_tag(s, "peer.service");
  if (peer.empty()) return address;
  return address.empty() ? peer : peer + " (" + address + ")";
}

std::string span_line(const SpanInfo& s) {
  const std::string status = status_tags(s);
  return s.service + " " + s.operation + (s.message.empty() ? "" : ": " + one_line(s.message)) +
         (status.empty() ? "" : " [" + status + "]");
}

// The failing call below a failed request: the error span deepest under it. A client span names
// its peer; a span of another service names that service.
struct Downstream {
  std::string name;    // what the cause calls the failing dependency; empty: none identified
  std::string target;  // what to check: a Kubernetes Service when the peer names one
  const SpanInfo* span = nullptr;
  std::string service_ns, service_name;  // that Service, when the peer names one
};

// "postgres.db.svc.cluster.local:5432" -> "Service postgres in namespace db (...)"; other
// peers unchanged.
// The Service a peer host names ("db.ns.svc[.cluster.local]"), as {ns, name}; empty otherwise.
std::pair<std::string, std::string> peer_service(const std::string& peer) {
  const std::string host = peer.substr(0, peer.find(':'));
  const auto labels = split(host, '.');
  if (labels.size() >= 3 && labels[2] == "svc" &&
      (labels.size() == 3 || host.ends_with(".svc.cluster.local")))
    return {labels[1], labels[0]};
  return {};
}

std::string service_of_peer(const std::string& peer) {
  const auto [ns, name] = peer_service(peer);
  if (name.empty()) return peer;
  return "Service " + name + " in namespace " + ns + " (" + peer + ")";
}

Downstream downstream_of(const SpanInfo& top, const SpanInfo& leaf) {
  if (&leaf == &top) return {};
  const std::string peer = span_peer(leaf);
  if (!peer.empty()) {
    std::string host = span_tag(leaf, "net.peer.name");
    std::string port = span_tag(leaf, "net.peer.port");
    if (host.empty()) {
      host = span_tag(leaf, "server.address");
      port = span_tag(leaf, "server.port");
    }
    const std::string address = host + (port.empty() ? "" : ":" + port);
    const std::string target = host.empty() ? peer : service_of_peer(address);
    const auto [ns, name] =
        host.empty() ? std::pair<std::string, std::string>{} : peer_service(address);
    return {leaf.service != top.service ? peer + " (via " + leaf.service + ")" : peer, target,
            &leaf, ns, name};
  }
  if (leaf.service != top.service) return {leaf.service, leaf.service, &leaf};
  return {"", "", &leaf};
}

struct FailedRequest {
  const SpanInfo* top;   // the highest error span: the request that failed
  const SpanInfo* leaf;  // the deepest error span under it (top itself when none)
};

struct TraceGroup {
  std::string cluster, ns, service, operation;
  std::vector<FailedRequest> requests;
  std::set<std::string> traces;
};

// clusters/<dir>/traces/... -> the cluster's name in the report.
std::string cluster_of_source(const Model& m, const std::string& source) {
  const auto parts = split(source, '/');
  if (parts.size() < 2 || parts[0] != "clusters") return "";
  for (const auto& [name, c] : m.clusters)
    if (c.dir == parts[1]) return name;
  return parts[1];
}

std::vector<FailedRequest> failed_requests(const Model& m) {
  using Key = std::pair<std::string, std::string>;  // trace id, span id
  std::map<Key, const SpanInfo*> errors;
  for (const auto& s : m.traces.error_spans) errors.emplace(Key{s.trace_id, s.span_id}, &s);
  std::map<Key, std::vector<const SpanInfo*>> children;  // error spans by erroring parent
  for (const auto& [key, s] : errors)
    if (!s->parent_span_id.empty() && errors.count({s->trace_id, s->parent_span_id}))
      children[{s->trace_id, s->parent_span_id}].push_back(s);
  std::vector<FailedRequest> out;
  for (const auto& [key, s] : errors) {
    if (!s->parent_span_id.empty() && errors.count({s->trace_id, s->parent_span_id})) continue;
    // Follow the error down; among siblings the latest to start is the one that gave up last.
    const SpanInfo* leaf = s;
    for (std::size_t depth = 0; depth < errors.size(); ++depth) {
      auto it = children.find({leaf->trace_id, leaf->span_id});
      if (it == children.end()) break;
      leaf = *std::max_element(
          it->second.begin(), it->second.end(), [](const SpanInfo* a, const SpanInfo* b) {
            return std::tie(a->start, a->span_id) < std::tie(b->start, b->span_id);
          });
    }
    out.push_back({s, leaf});
  }
  return out;
}

}  // namespace

void trace_errors(const Model& m, Out& out) {
  std::map<std::tuple<std::string, std::string, std::string>, TraceGroup> groups;
  for (const FailedRequest& r : failed_requests(m)) {
    auto t = m.traces.traces.find(r.top->trace_id);
    const std::string source = t == m.traces.traces.end() ? "" : t->second.source;
    const std::string cluster = cluster_of_source(m, source);
    TraceGroup& g = groups[{cluster, r.top->service, r.top->operation}];
    g.cluster = cluster;
    g.service = r.top->service;
    g.operation = r.top->operation;
    if (g.ns.empty()) g.ns = r.top->ns;
    g.requests.push_back(r);
    g.traces.insert(r.top->trace_id);
  }
  for (auto& [key, g] : groups) {
    std::sort(g.requests.begin(), g.requests.end(),
              [](const FailedRequest& a, const FailedRequest& b) {
                return std::tie(a.top->start, a.top->trace_id, a.top->span_id) <
                       std::tie(b.top->start, b.top->trace_id, b.top->span_id);
              });
    const std::size_t n = g.requests.size();
    Candidate c;
    c.f.detector = "trace-errors";
    c.f.severity = Severity::error;
    c.f.object = ObjectRef{g.cluster, g.ns, "TracedService", g.service};
    c.f.id = "trace-errors:" + c.f.object.display() + "/" + g.operation;
    c.group = c.f.id;
    c.f.title = "Traces: " + std::to_string(n) + (n == 1 ? " request" : " requests") + " to " +
                g.service + " " + g.operation + " failed";
    c.f.evidence.push_back(
        std::to_string(n) + (n == 1 ? " failed request in " : " failed requests in ") +
        std::to_string(g.traces.size()) + (g.traces.size() == 1 ? " trace" : " traces") +
        ", first " + format_rfc3339(g.requests.front().top->start) + ", last " +
        format_rfc3339(g.requests.back().top->start));
    std::map<std::string, std::size_t> downstream;  // name -> requests
    std::string check;                              // the first failing call's target
    std::string first_cause;                        // the failing call's message, first seen
    for (std::size_t i = 0; i < n; ++i) {
      const FailedRequest& r = g.requests[i];
      const Downstream d = downstream_of(*r.top, *r.leaf);
      if (!d.name.empty()) ++downstream[d.name];
      if (check.empty()) check = d.target;
      if (first_cause.empty() && d.span != nullptr) first_cause = one_line(d.span->message);
      const ObjectRef svc{g.cluster, d.service_ns, "Service", d.service_name};
      if (!d.service_name.empty() &&
          std::none_of(c.f.depends_on.begin(), c.f.depends_on.end(),
                       [&](const ObjectRef& o) { return o.display() == svc.display(); }))
        c.f.depends_on.push_back(svc);
      if (i >= kTracesInEvidence) continue;
      const auto t = m.traces.traces.find(r.top->trace_id);
      const std::string source = t == m.traces.traces.end() ? "" : t->second.source;
      c.f.evidence.push_back("trace " + r.top->trace_id + " at " + format_rfc3339(r.top->start) +
                             ": " + span_line(*r.top) +
                             (source.empty() ? "" : " [" + source + "]"));
      if (d.span != nullptr)
        c.f.evidence.push_back("  failing call: " + span_line(*d.span) +
                               (span_peer(*d.span).empty() ? "" : " -> " + span_peer(*d.span)));
    }
    if (n > kTracesInEvidence)
      c.f.evidence.push_back("(" + std::to_string(n - kTracesInEvidence) +
                             " more failed requests: report.json lists every error span)");
    if (!downstream.empty()) {
      std::vector<std::string> names;
      std::size_t below = 0;
      for (const auto& [name, count] : downstream) {
        names.push_back(name + (downstream.size() > 1 ? " (" + std::to_string(count) + ")" : ""));
        below += count;
      }
      c.f.cause =
          g.service + "'s call" + (names.size() > 1 ? "s" : "") + " to " + join(names, ", ") +
          " failed under " +
          (below == n ? (n == 1 ? "the request" : "every request")
                      : std::to_string(below) + " of the " + std::to_string(n) + " requests") +
          (first_cause.empty() ? "" : ": " + first_cause) +
          (n == 1 ? ". The request fails" : ". The requests fail") + " because that call does.";
      c.f.next_step = "Check " + (check.empty() ? downstream.begin()->first : check) +
                      " first (its pods and its own findings): the failing calls go there.";
    } else if (first_cause.empty()) {
      const std::string message = one_line(g.requests.front().top->message);
      c.f.cause =
          g.service + " reported the error itself" + (message.empty() ? "" : ": " + message) + ".";
      c.f.next_step = "Read the logs of " + g.service + " around " +
                      format_rfc3339(g.requests.front().top->start) + ".";
    } else {
      c.f.cause = "A span inside " + g.service + " failed below the request: " + first_cause + ".";
      c.f.next_step = "Read the logs of " + g.service + " around " +
                      format_rfc3339(g.requests.front().top->start) + ".";
    }
    out.push_back(std::move(c));
  }
}

// Same cause across replicas: one finding listing every pod.

}  // namespace kmg::report::detect
