// Network and Services: a pod whose logs or events name a failed connection to a Service (and
// what is behind that Service), or a lookup of a Service that does not exist.
#include "report/detectors/services.h"

#include <algorithm>
#include <map>
#include <utility>

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "report/detectors/dns.h"
#include "report/signatures.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;
using Lines = std::vector<std::pair<std::string, std::string>>;  // text, where

// Lines that name a failed connection: the pod's logs, then its events. A lookup that timed out
// or got SERVFAIL ("lookup db on 10.96.0.10:53: ... i/o timeout") never reached the Service it
// names: dns-lookup-failure reports it, against the cluster DNS.
Lines network_lines(const ClusterCtx& ctx, const PodView& pv) {
  Lines lines;
  for (const auto& [path, log] : ctx.c.logs)
    if (log.ns == pv.ns && log.pod == pv.name)
      for (const auto& e : log.network)
        if (!is_dns_transport_failure(e.text)) lines.emplace_back(e.text, path);
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name)) {
    const std::string msg = str(*ev, "message");
    if (is_network_error(msg) && !is_dns_transport_failure(msg))
      lines.emplace_back(msg, "event " + str(*ev, "reason"));
  }
  return lines;
}

std::string network_phrase(const std::string& text) {
  for (const char* p :
       {"connection refused", "no such host", "i/o timeout", "context deadline exceeded",
        "connection reset by peer", "network is unreachable", "no route to host"})
    if (contains_ci(text, p)) return p;
  return "connection error";
}

struct Hit {
  const ServiceRef* service = nullptr;
  std::vector<std::string> lines;
};

std::map<std::string, Hit> service_hits(const ClusterCtx& ctx, const PodView& pv,
                                        const Lines& lines) {
  std::map<std::string, Hit> hits;  // "ns/name"
  for (const auto& [text, where] : lines) {
    for (const ServiceRef* s : ctx.services_named_in(text, pv.ns)) {
      Hit& h = hits[s->ns + "/" + s->name];
      h.service = s;
      const std::string line = one_line(text) + " [" + where + "]";
      if (std::find(h.lines.begin(), h.lines.end(), line) == h.lines.end()) h.lines.push_back(line);
    }
  }
  return hits;
}

void explain_backends(const ClusterCtx& ctx, const ServiceRef& s, Candidate& c) {
  std::vector<std::string> states;
  bool all_ready = true;
  for (const json* p : ctx.pods_behind(s)) {
    states.push_back(pod_state(ctx, *p));
    all_ready = all_ready && pod_ready(*p);
  }
  if (states.empty()) {
    c.f.evidence.push_back("Service " + s.name + ": no pod matches its selector");
    c.f.cause = "Service " + s.name + " has no pods behind it.";
  } else {
    for (const auto& st : states) c.f.evidence.push_back("behind Service " + s.name + ": " + st);
    std::string first = states.front();
    while (!first.empty() && first.back() == '.') first.pop_back();
    c.f.cause = all_ready ? "The pods behind Service " + s.name +
                                " are ready; the port or a network policy may be wrong."
                          : "Service " + s.name + " is not ready: " + first +
                                ". This workload fails because its dependency is down.";
  }
  c.f.next_step = all_ready && !states.empty()
                      ? "Check the Service's port/targetPort against the container port."
                      : "Fix " + s.name +
                            " first (see its own finding); this one should recover once it "
                            "is ready.";
  if (all_ready && !states.empty()) c.f.severity = Severity::warning;
}

}  // namespace

void dependency(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  for (const auto& [key, hit] : service_hits(ctx, pv, network_lines(ctx, pv))) {
    const ServiceRef& s = *hit.service;
    Candidate c = make(ctx, pv, "dependency", Severity::error, "service-" + s.ns + "-" + s.name);
    c.f.title = pv.owner.name + " cannot reach Service " + s.name + " (" +
                network_phrase(hit.lines.front()) + ")";
    const std::size_t n = hit.lines.size();
    for (std::size_t i = 0; i < std::min<std::size_t>(n, 3); ++i)
      c.f.evidence.push_back(hit.lines[n - 1 - i]);
    if (n > 3) c.f.evidence.push_back("(" + std::to_string(n) + " such lines)");
    explain_backends(ctx, s, c);
    c.f.depends_on.push_back(ObjectRef{ctx.c.name, s.ns, "Service", s.name});
    out.push_back(std::move(c));
  }
}

// "lookup nats.ns.svc on ...: no such host" where no Service nats exists in ns: the client
// depends on something that was never deployed (or has another name).
void missing_service(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  static const RE2 lookup(R"(lookup ([A-Za-z0-9.-]+)(?: on [^:]+:53)?: no such host)");
  std::map<std::string, std::vector<std::string>> missing;  // "ns/name" -> lines
  for (const auto& [text, where] : network_lines(ctx, pv)) {
    std::string host;
    if (!RE2::PartialMatch(text, lookup, &host)) continue;
    std::vector<std::string> labels = split(host, '.');
    std::string name = labels[0], ns = pv.ns;
    const bool svc_form = host.find(".svc") != std::string::npos;
    if (labels.size() >= 2) ns = labels[1];
    if (!svc_form && labels.size() != 1) continue;  // an external name, not a Service
    const bool exists =
        std::any_of(ctx.services().begin(), ctx.services().end(),
                    [&](const ServiceRef& sv) { return sv.name == name && sv.ns == ns; });
    if (!exists) missing[ns + "/" + name].push_back(one_line(text) + " [" + where + "]");
  }
  for (const auto& [key, found] : missing) {
    const std::string ns = key.substr(0, key.find('/'));
    const std::string name = key.substr(key.find('/') + 1);
    Candidate c = make(ctx, pv, "missing-service", Severity::warning, "service-" + ns + "-" + name);
    c.f.title = pv.owner.name + " looks up Service " + name + ", which does not exist";
    for (std::size_t i = 0; i < found.size() && i < 3; ++i) c.f.evidence.push_back(found[i]);
    c.f.evidence.push_back("no Service " + key + " in the cluster");
    c.f.cause = "The name does not resolve: the Service " + key +
                " was not deployed (or is named differently).";
    c.f.next_step = "Deploy " + name + " in namespace " + ns +
                    ", or fix the address in the workload's configuration.";
    out.push_back(std::move(c));
  }
}

}  // namespace kmg::report::detect
