// RBAC refusals, missing CustomResourceDefinitions and unavailable APIServices, read from the
// messages the API server writes (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/
// responsewriters: `pods is forbidden: User "system:serviceaccount:ns:sa" cannot list resource
// "pods" in API group "" at the cluster scope`; apimachinery's meta.NoKindMatchError: `no matches
// for kind "Widget" in version "example.com/v1"`) and the APIService Available condition
// (kube-aggregator: MissingEndpoints, ServiceNotFound, FailedDiscoveryCheck).
#include "report/detectors/rbac.h"

#include <map>
#include <optional>
#include <utility>

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;
using Lines = std::vector<std::pair<std::string, std::string>>;  // text, where

// Error lines of a pod's logs, then its events' messages.
Lines pod_error_lines(const ClusterCtx& ctx, const PodView& pv) {
  Lines out;
  for (const auto& [path, log] : ctx.c.logs)
    if (log.ns == pv.ns && log.pod == pv.name)
      for (const auto& e : log.errors) out.emplace_back(e.text, path);
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name))
    out.emplace_back(str(*ev, "message"), "event " + str(*ev, "reason"));
  return out;
}

struct Refusal {
  std::string user, verb, resource, group, scope;
  std::vector<std::string> lines;
};

// Quotes may come escaped (\") when the message is a field of a structured log line.
bool parse_forbidden(const std::string& text, Refusal& r) {
  static const RE2 re(
      R"re(forbidden: User \\?"([^"\\]+)\\?" cannot (\S+) resource \\?"([^"\\]+)\\?" in API group \\?"([^"\\]*)\\?"( in the namespace \\?"[^"\\]+\\?"| at the cluster scope)?)re");
  return RE2::PartialMatch(text, re, &r.user, &r.verb, &r.resource, &r.group, &r.scope);
}

std::string qualified(const Refusal& r) {
  return r.group.empty() ? r.resource : r.resource + "." + r.group;
}

bool parse_no_kind(const std::string& text, std::string& kind, std::string& version) {
  static const RE2 re(R"re(no matches for kind \\?"([^"\\]+)\\?" in version \\?"([^"\\]+)\\?")re");
  return RE2::PartialMatch(text, re, &kind, &version);
}

std::string group_of(const std::string& version) { return version.substr(0, version.find('/')); }

}  // namespace

void rbac_forbidden(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  std::map<std::string, Refusal> refusals;  // by user, verb, resource, group
  for (const auto& [text, where] : pod_error_lines(ctx, pv)) {
    Refusal r;
    if (!parse_forbidden(text, r)) continue;
    Refusal& known =
        refusals.try_emplace(r.user + " " + r.verb + " " + r.resource + "." + r.group, std::move(r))
            .first->second;
    if (known.lines.size() < 3) known.lines.push_back(one_line(text) + " [" + where + "]");
  }
  for (auto& [key, r] : refusals) {
    const std::string resource = qualified(r);
    Candidate c = make(ctx, pv, "rbac-forbidden", Severity::error, r.verb + "-" + resource);
    c.f.title = pv.owner.name + " is forbidden to " + r.verb + " " + resource;
    c.f.evidence = r.lines;
    const bool cluster_scope = r.scope.find("cluster scope") != std::string::npos;
    c.f.cause = r.user + " has no Role or ClusterRole that allows \"" + r.verb + "\" on " +
                resource + (cluster_scope ? " at the cluster scope" : " in that namespace") +
                ", so the API server refuses the request.";
    c.f.next_step = "kubectl auth can-i " + r.verb + " " + resource + " --as=" + r.user +
                    (cluster_scope ? " -A" : " -n " + pv.ns) + "; add the rule to a " +
                    (cluster_scope ? "ClusterRole bound with a ClusterRoleBinding"
                                   : "Role bound with a RoleBinding") +
                    " for the workload's service account.";
    out.push_back(std::move(c));
  }
}

std::optional<LogRefusal> api_refusal_in(const std::string& line) {
  Refusal r;
  if (parse_forbidden(line, r)) return LogRefusal{"rbac-forbidden", r.verb + "-" + qualified(r)};
  std::string kind, version;
  if (parse_no_kind(line, kind, version))
    return LogRefusal{"missing-crd", kind + "." + group_of(version)};
  return std::nullopt;
}

void missing_crd(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  std::map<std::string, std::vector<std::string>> kinds;  // "Kind version" -> lines
  for (const auto& [text, where] : pod_error_lines(ctx, pv)) {
    std::string kind, version;
    if (!parse_no_kind(text, kind, version)) continue;
    auto& lines = kinds[kind + " " + version];
    if (lines.size() < 3) lines.push_back(one_line(text) + " [" + where + "]");
  }
  for (const auto& [key, lines] : kinds) {
    const std::string kind = key.substr(0, key.find(' '));
    const std::string version = key.substr(key.find(' ') + 1);
    const std::string group = group_of(version);
    bool crd_present = false;
    for (const auto& crd : ctx.c.items("customresourcedefinitions.apiextensions.k8s.io"))
      crd_present = crd_present || (str(at_path(crd, {"spec", "names"}), "kind") == kind &&
                                    str(at_path(crd, {"spec"}), "group") == group);
    Candidate c = make(ctx, pv, "missing-crd", Severity::error, kind + "." + group);
    c.f.title = pv.owner.name + " uses kind " + kind + " (" + version +
                (crd_present ? "), a version its CRD does not serve" : "), which is not installed");
    c.f.evidence = lines;
    c.f.evidence.push_back(crd_present ? "a CustomResourceDefinition for " + kind + " exists"
                                       : "no CustomResourceDefinition defines kind " + kind +
                                             " in group " + group);
    c.f.cause = crd_present ? "The CRD exists but does not serve version " + version + "."
                            : "The API server has no " + kind +
                                  " resource: its CustomResourceDefinition was not applied "
                                  "(or was applied after the workload started).";
    c.f.next_step =
        "Apply the CRDs before the workload that uses them (kubectl apply -f the "
        "CRD manifests), then kubectl api-resources --api-group=" +
        group + " to check.";
    out.push_back(std::move(c));
  }
}

void apiservice_unavailable(const ClusterCtx& ctx, Out& out) {
  for (const auto& api : ctx.c.items("apiservices.apiregistration.k8s.io")) {
    const json* available = condition(api, "Available");
    if (available == nullptr || str(*available, "status") == "True") continue;
    Candidate c = make_obj(ctx, api, "APIService", "apiservice-unavailable", Severity::error);
    const json& svc = at_path(api, {"spec", "service"});
    const std::string reason = str(*available, "reason");
    c.f.title = "APIService " + c.f.object.name + " is unavailable (" + reason + ")";
    c.f.evidence.push_back("Available=" + str(*available, "status") + " " + reason + ": " +
                           one_line(str(*available, "message")));
    if (svc.is_object()) {
      c.f.evidence.push_back("served by Service " + str(svc, "namespace") + "/" + str(svc, "name"));
      c.f.depends_on.push_back(
          ObjectRef{ctx.c.name, str(svc, "namespace"), "Service", str(svc, "name")});
    }
    c.f.cause =
        "The aggregated API's backend does not answer, so every request to its group fails "
        "and discovery (kubectl api-resources, namespace deletion, HPA metrics) reports it.";
    c.f.next_step = svc.is_object() ? "Check the pods behind Service " + str(svc, "namespace") +
                                          "/" + str(svc, "name") + " (their own findings)."
                                    : "Read the condition message above.";
    out.push_back(std::move(c));
  }
}

}  // namespace kmg::report::detect
