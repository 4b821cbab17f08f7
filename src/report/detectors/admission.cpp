// Pods a controller cannot create. The ReplicaSet, Job, StatefulSet, DaemonSet and CronJob
// controllers record a FailedCreate event (`Error creating: ...`, `create Pod P in StatefulSet S
// failed error: ...`, `Error creating job: ...`) and ReplicaSets a ReplicaFailure condition with
// the API server's refusal, whose words come from the admission plugins:
//   resourcequota  `exceeded quota: NAME, requested: R, used: U, limited: L`,
//                  `failed quota: NAME: must specify limits.cpu`
//   limitranger    `maximum cpu usage per Container is 500m, but limit is 1`
//   podsecurity    `violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false
//   ...` serviceaccount `error looking up service account NS/NAME: serviceaccount "NAME" not found`
//   lifecycle      `unable to create new content in namespace NS because it is being terminated`
//   webhooks       `failed calling webhook "NAME": ...`, `admission webhook "NAME" denied ...`
// Each finding is on the workload, so its "unavailable" summary follows from it.
#include "report/detectors/admission.h"

#include <map>
#include <optional>

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

constexpr std::size_t kRefusalsInEvidence = 4;

// One refusal of an object a controller tried to create.
struct Refusal {
  ObjectRef workload;
  std::string message;   // the API server's error, as the controller recorded it
  std::string evidence;  // the event or condition it was read from
};

// What a refusal says: the detector it belongs to, a key that tells refusals of one workload
// apart (the quota, the webhook...), and the parts the description uses.
struct Match {
  std::string_view detector;
  std::string key;
  std::vector<std::string> parts;
};

ObjectRef workload_of(const ClusterCtx& ctx, const std::string& kind, const std::string& ns,
                      const std::string& name) {
  if (kind != "ReplicaSet") return ObjectRef{ctx.c.name, ns, kind, name};
  // A ReplicaSet stands for its Deployment, resolved as for one of its pods.
  const json ref = {{"kind", kind}, {"name", name}, {"controller", true}};
  const Owner o = ctx.owner_of(
      json{{"metadata", {{"namespace", ns}, {"ownerReferences", json::array({ref})}}}});
  return ObjectRef{ctx.c.name, ns, o.kind, o.name};
}

std::vector<Refusal> refusals(const ClusterCtx& ctx) {
  std::vector<Refusal> out;
  std::map<std::string, bool> has_event;  // workloads with a FailedCreate event
  for (const auto& ev : ctx.c.events) {
    if (str(ev, "reason") != "FailedCreate") continue;
    const json& io = at_path(ev, {"involvedObject"});
    Refusal r{workload_of(ctx, str(io, "kind"), str(io, "namespace"), str(io, "name")),
              str(ev, "message"),
              "event " + str(ev, "type") + " FailedCreate on " + str(io, "kind") + " " +
                  str(io, "name") + ": " + one_line(str(ev, "message")) + times(event_count(ev))};
    has_event[r.workload.display()] = true;
    out.push_back(std::move(r));
  }
  // Events expire after an hour; the ReplicaSet keeps the last refusal as a condition.
  for (const auto& rs : ctx.c.items("replicasets.apps")) {
    const json* failure = condition(rs, "ReplicaFailure");
    if (failure == nullptr || str(*failure, "status") != "True") continue;
    const json& md = at_path(rs, {"metadata"});
    Refusal r{workload_of(ctx, "ReplicaSet", str(md, "namespace"), str(md, "name")),
              str(*failure, "message"),
              "ReplicaSet " + str(md, "name") + " ReplicaFailure=True " + str(*failure, "reason") +
                  ": " + one_line(str(*failure, "message"))};
    if (!has_event.count(r.workload.display())) out.push_back(std::move(r));
  }
  return out;
}

// Quotes in the message may come escaped (\") when it was quoted once more.
std::optional<Match> match_webhook(const std::string& msg) {
  static const RE2 call(R"re(failed calling webhook \\?"([^"\\]+)\\?")re");
  static const RE2 denied(R"re(admission webhook \\?"([^"\\]+)\\?" denied the request)re");
  std::string name;
  if (RE2::PartialMatch(msg, denied, &name))
    return Match{"pods-blocked-by-webhook", name, {"deny"}};
  if (RE2::PartialMatch(msg, call, &name)) return Match{"pods-blocked-by-webhook", name, {"call"}};
  return std::nullopt;
}

std::optional<Match> match_quota(const std::string& msg) {
  static const RE2 exceeded(
      R"re((?i)exceeded quota: ([^,\s]+), requested: (\S+), used: (\S+), limited: ([^\s"\\]+))re");
  static const RE2 unspecified(R"re(failed quota: ([^:\s]+): must specify ([^\s"\\]+))re");
  std::string name, requested, used, limited;
  if (RE2::PartialMatch(msg, exceeded, &name, &requested, &used, &limited))
    return Match{"quota-exceeded", name, {name, requested, used, limited}};
  if (RE2::PartialMatch(msg, unspecified, &name, &requested))
    return Match{"quota-exceeded", name, {name, requested}};
  return std::nullopt;
}

std::optional<Match> match_limitrange(const std::string& msg) {
  static const RE2 bound(
      R"re(((?:maximum|minimum) (\S+) usage per (\S+) is [^\s,]+?\.?(?:, but (?:limit|request) is [^\s\]"\\;]+|\s+No (?:limit|request) is specified)))re");
  static const RE2 ratio(
      R"re(((\S+) max limit to request ratio per (\S+) is [^\s,]+, but provided ratio is [0-9.]+))re");
  std::string clause, resource, type;
  if (RE2::PartialMatch(msg, bound, &clause, &resource, &type) ||
      RE2::PartialMatch(msg, ratio, &clause, &resource, &type)) {
    while (!clause.empty() && clause.back() == '.') clause.pop_back();
    return Match{"limitrange-violation", type + "-" + resource, {clause}};
  }
  return std::nullopt;
}

std::optional<Match> match_other(const std::string& msg) {
  static const RE2 pss(R"re(violates PodSecurity \\?"([^"\\]+)\\?": (.*))re");
  static const RE2 sa(R"re(error looking up service account ([^/\s]+)/([^:\s]+):)re");
  static const RE2 ns(
      R"re(unable to create new content in namespace (\S+) because it is being terminated)re");
  std::string a, b;
  if (RE2::PartialMatch(msg, ns, &a)) return Match{"namespace-terminating", a, {a}};
  if (RE2::PartialMatch(msg, pss, &a, &b)) return Match{"podsecurity-violation", a, {a, b}};
  if (RE2::PartialMatch(msg, sa, &a, &b)) return Match{"missing-serviceaccount", b, {a, b}};
  return std::nullopt;
}

Match classify(const std::string& msg) {
  for (auto* fn : {match_other, match_webhook, match_quota, match_limitrange})
    if (auto m = fn(msg)) return *m;
  return Match{"pods-not-created", "", {}};
}

std::string what_of(const ObjectRef& w) { return w.kind == "CronJob" ? "Jobs" : "pods"; }

const json* find_item(const ClusterCtx& ctx, const std::string& list, const std::string& ns,
                      const std::string& name) {
  for (const auto& o : ctx.c.items(list))
    if (str(at_path(o, {"metadata"}), "namespace") == ns &&
        str(at_path(o, {"metadata"}), "name") == name)
      return &o;
  return nullptr;
}

// "cpu=500m, memory=1Gi" from a resource map.
std::string quantities(const json& m) {
  std::vector<std::string> parts;
  if (m.is_object())
    for (const auto& [k, v] : m.items())
      parts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  return join(parts, ", ");
}

void describe_quota(const ClusterCtx& ctx, const Match& m, Finding& f) {
  const std::string& name = m.parts[0];
  const bool unspecified = m.parts.size() == 2;
  f.title = f.object.kind + " " + f.object.name + " cannot create " + what_of(f.object) +
            ": ResourceQuota " + name +
            (unspecified ? " requires " + m.parts[1] : " exceeded (" + m.parts[3] + ")");
  if (!unspecified)
    f.evidence.push_back("requested " + m.parts[1] + ", used " + m.parts[2] + ", limited " +
                         m.parts[3]);
  if (const json* q = find_item(ctx, "resourcequotas", f.object.ns, name))
    f.evidence.push_back("ResourceQuota " + name + ": hard " +
                         quantities(at_path(*q, {"status", "hard"})) + "; used " +
                         quantities(at_path(*q, {"status", "used"})));
  f.cause = unspecified
                ? "ResourceQuota " + name + " limits " + m.parts[1] +
                      " in the namespace, so every pod must declare them; the pod template "
                      "does not and no LimitRange supplies defaults."
                : "The namespace's ResourceQuota " + name +
                      " has no room left for the new pod's requests, so the API server refuses "
                      "it and the controller keeps retrying.";
  f.next_step = "kubectl describe resourcequota " + name + " -n " + f.object.ns +
                (unspecified ? "; set resources on the containers (or add a LimitRange with "
                               "defaults)."
                             : "; raise spec.hard, lower the pods' requests, or free room by "
                               "scaling other workloads down.");
}

void describe_limitrange(const ClusterCtx& ctx, const Match& m, Finding& f) {
  f.title = f.object.kind + " " + f.object.name + " cannot create " + what_of(f.object) +
            ": LimitRange " + m.parts[0];
  for (const auto& lr : ctx.c.items("limitranges")) {
    if (str(at_path(lr, {"metadata"}), "namespace") != f.object.ns) continue;
    for (const auto& l : at_path(lr, {"spec", "limits"})) {
      std::string line =
          "LimitRange " + str(at_path(lr, {"metadata"}), "name") + " " + str(l, "type") + ":";
      for (const char* k : {"max", "min", "default", "defaultRequest", "maxLimitRequestRatio"})
        if (l.contains(k)) line += std::string(" ") + k + " {" + quantities(l[k]) + "}";
      f.evidence.push_back(line);
    }
  }
  f.cause = "A LimitRange in namespace " + f.object.ns +
            " bounds the resources of each container or pod, and the pod template is outside "
            "those bounds, so the API server refuses every pod.";
  f.next_step = "kubectl describe limitrange -n " + f.object.ns +
                "; bring the containers' requests and limits within the range (or change "
                "the LimitRange).";
}

const json* namespace_of(const ClusterCtx& ctx, const std::string& ns) {
  for (const auto& n : ctx.c.items("namespaces"))
    if (str(at_path(n, {"metadata"}), "name") == ns) return &n;
  return nullptr;
}

void describe_podsecurity(const ClusterCtx& ctx, const Match& m, Finding& f) {
  f.title = f.object.kind + " " + f.object.name + " cannot create " + what_of(f.object) +
            ": they violate PodSecurity \"" + m.parts[0] + "\"";
  f.evidence.push_back("violations: " + one_line(m.parts[1]));
  if (const json* n = namespace_of(ctx, f.object.ns)) {
    std::vector<std::string> labels;
    for (const auto& [k, v] : at_path(*n, {"metadata", "labels"}).items())
      if (starts_with(k, "pod-security.kubernetes.io/") && v.is_string())
        labels.push_back(k + "=" + v.get<std::string>());
    if (!labels.empty())
      f.evidence.push_back("Namespace " + f.object.ns + " labels: " + join(labels, ", "));
  }
  f.cause = "Namespace " + f.object.ns + " enforces the Pod Security Standard \"" + m.parts[0] +
            "\" and the pod template breaks it, so the API server refuses every pod.";
  f.next_step =
      "Set the securityContext fields listed above in the pod template, or relax "
      "kubectl label namespace " +
      f.object.ns + " pod-security.kubernetes.io/enforce=... if the workload needs it.";
}

void describe_serviceaccount(const ClusterCtx& ctx, const Match& m, Finding& f) {
  const std::string& ns = m.parts[0];
  const std::string& sa = m.parts[1];
  f.title = f.object.kind + " " + f.object.name + " cannot create " + what_of(f.object) +
            ": ServiceAccount " + ns + "/" + sa + " does not exist";
  const bool now = find_item(ctx, "serviceaccounts", ns, sa) != nullptr;
  f.evidence.push_back(now ? "ServiceAccount " + sa +
                                 " exists now: it was created after the "
                                 "refusals (the controller retries with a backoff)"
                           : "no ServiceAccount " + sa +
                                 " among the gathered ServiceAccounts "
                                 "of namespace " +
                                 ns);
  f.cause = "The pod template names serviceAccountName " + sa +
            ", which does not exist in namespace " + ns +
            ", so the ServiceAccount admission plugin refuses every pod.";
  f.next_step = "kubectl create serviceaccount " + sa + " -n " + ns +
                " (or apply the ServiceAccount before the workload, or fix "
                "serviceAccountName).";
}

void describe_terminating(const ClusterCtx& ctx, const Match& m, Finding& f) {
  const std::string& ns = m.parts[0];
  f.title = f.object.kind + " " + f.object.name + " cannot create " + what_of(f.object) +
            ": namespace " + ns + " is being deleted";
  if (const json* n = namespace_of(ctx, ns)) {
    f.evidence.push_back("Namespace " + ns + " phase " + str(at_path(*n, {"status"}), "phase") +
                         ", deletionTimestamp " +
                         str(at_path(*n, {"metadata"}), "deletionTimestamp"));
    for (const auto& c : at_path(*n, {"status", "conditions"}))
      if (str(c, "status") == "True")
        f.evidence.push_back(str(c, "type") + "=True " + str(c, "reason") + ": " +
                             one_line(str(c, "message")));
  }
  f.cause = "Namespace " + ns +
            " was deleted and waits for its content and finalizers to go; meanwhile the API "
            "server refuses every new object in it.";
  f.next_step = "kubectl get namespace " + ns +
                " -o yaml (its conditions say what holds the deletion); recreate the workload "
                "once the namespace is gone, or use another namespace.";
}

void describe_webhook(const ClusterCtx& ctx, const Match& m, Finding& f) {
  const std::string& hook = m.key;
  const bool deny = m.parts[0] == "deny";
  f.title = f.object.kind + " " + f.object.name + " cannot create " + what_of(f.object) +
            ": admission webhook " + hook + (deny ? " denies them" : " cannot be called");
  f.depends_on.push_back(ObjectRef{ctx.c.name, "", "Webhook", hook});
  f.cause = deny ? "The admission webhook " + hook + " refuses the pod template."
                 : "The API server must call the admission webhook " + hook +
                       " before storing the pod, and the call fails (failurePolicy Fail), so "
                       "no pod is created.";
  f.next_step = "See the webhook-failure finding for " + hook + ".";
}

void describe_other(const ClusterCtx&, const Match&, Finding& f) {
  f.title = f.object.kind + " " + f.object.name + " cannot create its " + what_of(f.object);
  f.cause = "The API server refuses the " + what_of(f.object) +
            " its controller creates (see "
            "the message above).";
  f.next_step = "kubectl describe " + to_lower(f.object.kind) + " " + f.object.name + " -n " +
                f.object.ns + "; fix what the refusal names.";
}

using Describe = void (*)(const ClusterCtx&, const Match&, Finding&);

Describe describer(std::string_view detector) {
  static const std::map<std::string_view, Describe> table = {
      {"quota-exceeded", describe_quota},
      {"limitrange-violation", describe_limitrange},
      {"podsecurity-violation", describe_podsecurity},
      {"missing-serviceaccount", describe_serviceaccount},
      {"namespace-terminating", describe_terminating},
      {"pods-blocked-by-webhook", describe_webhook},
      {"pods-not-created", describe_other}};
  return table.at(detector);
}

// One finding per workload and key (quota, webhook...) for the refusals `detector` explains.
void emit(const ClusterCtx& ctx, std::string_view detector, Out& out) {
  std::map<std::string, std::pair<Candidate, Match>> found;
  for (const auto& r : refusals(ctx)) {
    Match m = classify(r.message);
    if (m.detector != detector) continue;
    const std::string id =
        std::string(detector) + ":" + r.workload.display() + (m.key.empty() ? "" : "/" + m.key);
    auto [it, fresh] = found.try_emplace(id);
    Finding& f = it->second.first.f;
    if (fresh) {
      f.id = it->second.first.group = id;
      f.detector = std::string(detector);
      f.severity = Severity::error;
      f.object = r.workload;
      it->second.second = std::move(m);
    }
    if (f.evidence.size() < kRefusalsInEvidence &&
        std::find(f.evidence.begin(), f.evidence.end(), r.evidence) == f.evidence.end())
      f.evidence.push_back(r.evidence);
  }
  for (auto& [id, cm] : found) {
    describer(detector)(ctx, cm.second, cm.first.f);
    out.push_back(std::move(cm.first));
  }
}

}  // namespace

void quota_exceeded(const ClusterCtx& ctx, Out& out) { emit(ctx, "quota-exceeded", out); }
void limitrange_violation(const ClusterCtx& ctx, Out& out) {
  emit(ctx, "limitrange-violation", out);
}
void podsecurity_violation(const ClusterCtx& ctx, Out& out) {
  emit(ctx, "podsecurity-violation", out);
}
void missing_serviceaccount(const ClusterCtx& ctx, Out& out) {
  emit(ctx, "missing-serviceaccount", out);
}
void namespace_terminating(const ClusterCtx& ctx, Out& out) {
  emit(ctx, "namespace-terminating", out);
}
void pods_blocked_by_webhook(const ClusterCtx& ctx, Out& out) {
  emit(ctx, "pods-blocked-by-webhook", out);
}
void pods_not_created(const ClusterCtx& ctx, Out& out) { emit(ctx, "pods-not-created", out); }

}  // namespace kmg::report::detect
