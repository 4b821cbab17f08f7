// Admission webhooks that deny requests or cannot be called, read from the API server's errors
// (staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/errors):
//   `failed calling webhook "NAME": failed to call webhook: Post "https://SVC.NS.svc:443/PATH?
//    timeout=10s": no endpoints available for service "SVC"` (or connection refused, context
//    deadline exceeded, x509: ..., service "SVC" not found), usually behind "Internal error
//    occurred: ";
//   `admission webhook "NAME" denied the request: REASON`.
// They show in controllers' FailedCreate events, in pod logs and in failed tests. The finding is
// on the webhook (kind "Webhook", as test_mentions.cpp names it) and depends on it: the cause
// graph follows the webhook to its configuration's Service and the pods behind it.
#include <map>

#include <re2/re2.h>

#include "report/detectors/admission.h"
#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

constexpr std::size_t kSightingsInEvidence = 5;
constexpr std::size_t kPodsInEvidence = 3;

struct HookFailure {
  bool denied = false;
  std::string reason;  // what follows the webhook's name: the call error or the denial
  std::string url;     // the URL the API server called, when the message has it
  std::vector<std::string> sightings;
};

using Failures = std::map<std::string, HookFailure>;  // by webhook name

// Records the webhook error of one message; `line` is the evidence that shows it.
void scan(const std::string& text, const std::string& line, Failures& out) {
  static const RE2 call(R"re(failed calling webhook \\?"([^"\\]+)\\?":?\s*(.*))re");
  static const RE2 denied(R"re(admission webhook \\?"([^"\\]+)\\?" denied the request:?\s*(.*))re");
  static const RE2 url(R"re(\b(?:Post|POST) \\?"?(https?://[^"\s\\]+))re");
  std::string name, reason;
  bool deny = RE2::PartialMatch(text, denied, &name, &reason);
  if (!deny && !RE2::PartialMatch(text, call, &name, &reason)) return;
  HookFailure& h = out[name];
  if (h.reason.empty() || (deny && !h.denied)) {
    h.denied = deny;
    h.reason = one_line(reason);
    RE2::PartialMatch(text, url, &h.url);
  }
  if (h.sightings.size() < kSightingsInEvidence &&
      std::find(h.sightings.begin(), h.sightings.end(), line) == h.sightings.end())
    h.sightings.push_back(line);
}

struct Hook {
  std::string kind, config;
  const json* hook;
};

std::optional<Hook> find_hook(const ClusterCtx& ctx, const std::string& name) {
  for (const auto& [list, kind] :
       {std::pair{"validatingwebhookconfigurations.admissionregistration.k8s.io",
                  "ValidatingWebhookConfiguration"},
        std::pair{"mutatingwebhookconfigurations.admissionregistration.k8s.io",
                  "MutatingWebhookConfiguration"}})
    for (const auto& config : ctx.c.items(list))
      for (const auto& hook : at_path(config, {"webhooks"}))
        if (str(hook, "name") == name)
          return Hook{kind, str(at_path(config, {"metadata"}), "name"), &hook};
  return std::nullopt;
}

Failures collect(const ClusterCtx& ctx) {
  Failures out;
  for (const auto& ev : ctx.c.events) {
    const json& io = at_path(ev, {"involvedObject"});
    const std::string ns = str(io, "namespace");
    scan(str(ev, "message"),
         "event " + str(ev, "type") + " " + str(ev, "reason") + " on " + str(io, "kind") + " " +
             ns + (ns.empty() ? "" : "/") + str(io, "name") + ": " + one_line(str(ev, "message")) +
             times(event_count(ev)),
         out);
  }
  for (const auto& [path, log] : ctx.c.logs)
    for (const auto& e : log.errors) scan(e.text, one_line(e.text) + " [" + path + "]", out);
  // Failed tests name no cluster: they count for the only cluster, or the one serving the hook.
  const bool only_cluster = ctx.m.clusters.size() == 1;
  for (const auto& tc : ctx.m.tests.cases) {
    if (tc.status != "failed" && tc.status != "error") continue;
    Failures seen;
    for (const auto& line : split(tc.message + "\n" + tc.detail, '\n'))
      scan(line, "test " + tc.name + ": " + one_line(line), seen);
    for (auto& [name, h] : seen) {
      if (!only_cluster && !find_hook(ctx, name)) continue;
      HookFailure& known = out[name];
      if (known.reason.empty()) known = h;
      for (auto& s : h.sightings)
        if (known.sightings.size() < kSightingsInEvidence &&
            std::find(known.sightings.begin(), known.sightings.end(), s) == known.sightings.end())
          known.sightings.push_back(s);
    }
  }
  return out;
}

// What the call error means, and what to look at.
struct Problem {
  std::string words, cause, step;
};

Problem problem_of(const std::string& reason, const std::string& svc) {
  const std::string r = to_lower(reason);
  auto has = [&](std::string_view s) { return r.find(s) != std::string::npos; };
  const std::string pods = "kubectl get endpoints,pods -n " + svc;
  if (has("no endpoints available for service"))
    return {"its Service has no ready endpoints",
            "The webhook's Service has no ready pod behind it (the webhook's pods are missing, "
            "not ready or not selected).",
            pods + "; the findings on the webhook's pods say why they are not ready."};
  if (has("not found") && has("service"))
    return {"its Service does not exist",
            "The Service the webhook configuration names does not exist (deleted, or the "
            "webhook's manifests were applied only in part).",
            "Apply the webhook's Service, or delete the stale webhook configuration."};
  if (has("x509") || has("certificate"))
    return {"the API server does not trust its certificate",
            "The caBundle of the webhook configuration does not match the certificate the "
            "webhook serves (the CA injection is not done yet, or the certificate was "
            "regenerated).",
            "Compare the configuration's clientConfig.caBundle with the webhook's serving "
            "certificate (cert-manager: kubectl get certificate,certificaterequest -A)."};
  if (has("connection refused"))
    return {"nothing listens behind its Service",
            "The webhook's pods do not listen on the Service's target port (still starting, "
            "crashing, or a wrong targetPort).",
            pods + "; check the Service's targetPort against the container port."};
  if (has("deadline exceeded") || has("timeout") || has("timed out"))
    return {"it does not answer in time",
            "The webhook did not answer within its timeoutSeconds (overloaded, stuck, or "
            "the network to its pods is broken).",
            pods + "; read the webhook's logs."};
  if (has("no such host"))
    return {"its Service name does not resolve",
            "The API server cannot resolve the webhook's Service host name.",
            "Check the Service named in clientConfig exists in that namespace."};
  return {"the call fails", "The API server cannot get an answer from the webhook.",
          pods + "; read the webhook's logs."};
}

// The configuration, its Service and the pods behind it, as evidence; the Service the
// webhook is served by ("ns/name"), from the configuration or else the URL's host.
std::string add_chain(const ClusterCtx& ctx, const std::string& name, const HookFailure& h,
                      Finding& f) {
  static const RE2 host(R"re(https://([a-z0-9-]+)\.([a-z0-9-]+)\.svc\b)re");
  std::string ns, svc;
  if (const auto hook = find_hook(ctx, name)) {
    const json& cc = at_path(*hook->hook, {"clientConfig"});
    const json& s = at_path(cc, {"service"});
    ns = str(s, "namespace");
    svc = str(s, "name");
    const std::string target = s.is_object() ? "Service " + ns + "/" + svc + " port " +
                                                   std::to_string(num(s, {"port"}, 443)) +
                                                   " path " + str(s, "path")
                                             : "URL " + str(cc, "url");
    f.evidence.push_back(hook->kind + " " + hook->config + ": webhook " + name + " calls " +
                         target + ", failurePolicy " + str(*hook->hook, "failurePolicy") +
                         ", timeoutSeconds " +
                         std::to_string(num(*hook->hook, {"timeoutSeconds"}, 10)));
  } else {
    f.evidence.push_back(
        "no ValidatingWebhookConfiguration or MutatingWebhookConfiguration "
        "among the gathered objects defines webhook " +
        name);
    RE2::PartialMatch(h.url, host, &svc, &ns);
  }
  if (svc.empty()) return {};
  const ServiceRef* ref = nullptr;
  for (const auto& s : ctx.services())
    if (s.ns == ns && s.name == svc) ref = &s;
  if (ref == nullptr) {
    f.evidence.push_back("Service " + ns + "/" + svc + " does not exist");
    return ns + "/" + svc;
  }
  const auto pods = ctx.pods_behind(*ref);
  if (pods.empty()) f.evidence.push_back("Service " + ns + "/" + svc + " selects no pod");
  for (std::size_t i = 0; i < pods.size() && i < kPodsInEvidence; ++i)
    f.evidence.push_back("behind Service " + ns + "/" + svc + ": " + pod_state(ctx, *pods[i]));
  return ns + "/" + svc;
}

Candidate make_hook(const ClusterCtx& ctx, const std::string& name, const HookFailure& h) {
  Candidate c;
  c.f.detector = "webhook-failure";
  c.f.severity = Severity::error;
  c.f.object = ObjectRef{ctx.c.name, "", "Webhook", name};
  c.f.id = c.group = "webhook-failure:" + c.f.object.display();
  c.f.evidence = h.sightings;
  const std::string svc = add_chain(ctx, name, h, c.f);
  if (h.denied) {
    c.f.title = "Admission webhook " + name + " denies requests: " + h.reason.substr(0, 160);
    c.f.cause =
        "The webhook answers and refuses the request by its policy; the refused object "
        "is never stored (a controller retries, a test fails).";
    c.f.next_step =
        "Change the object to satisfy the policy the denial names, or review the "
        "webhook's rules (kubectl get validatingwebhookconfigurations,"
        "mutatingwebhookconfigurations -o yaml).";
    return c;
  }
  const std::string slash_ns = svc.empty() ? "" : svc.substr(0, svc.find('/'));
  const Problem p = problem_of(h.reason, slash_ns.empty() ? "NAMESPACE" : slash_ns);
  c.f.title = "Admission webhook " + name + " cannot be called: " + p.words;
  c.f.cause = p.cause +
              " With failurePolicy Fail the API server then refuses every request the "
              "webhook's rules intercept.";
  c.f.next_step = p.step;
  // The graph follows the webhook to its Service and pods (causes.cpp).
  c.f.depends_on.push_back(c.f.object);
  if (!svc.empty())
    c.f.depends_on.push_back(
        ObjectRef{ctx.c.name, slash_ns, "Service", svc.substr(svc.find('/') + 1)});
  return c;
}

}  // namespace

void webhook_failure(const ClusterCtx& ctx, Out& out) {
  for (const auto& [name, h] : collect(ctx)) out.push_back(make_hook(ctx, name, h));
}

}  // namespace kmg::report::detect
