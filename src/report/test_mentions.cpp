#include "report/test_mentions.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <re2/re2.h>

#include "util/text.h"

namespace kmg::report {
namespace {

struct Resource {
  const char* kind;
  bool namespaced;
  std::vector<const char*> names;     // singular, plural: `pod "x"`, `pods "x"`, pods/x
  std::vector<const char*> shorts{};  // kubectl's short names, only in the resource/name form
};

const std::vector<Resource>& resources() {
  static const std::vector<Resource> table{
      {"Pod", true, {"pod", "pods"}, {"po"}},
      {"Deployment", true, {"deployment", "deployments"}, {"deploy"}},
      {"ReplicaSet", true, {"replicaset", "replicasets"}, {"rs"}},
      {"StatefulSet", true, {"statefulset", "statefulsets"}, {"sts"}},
      {"DaemonSet", true, {"daemonset", "daemonsets"}, {"ds"}},
      {"Job", true, {"job", "jobs"}},
      {"CronJob", true, {"cronjob", "cronjobs"}, {"cj"}},
      {"Service", true, {"service", "services"}, {"svc"}},
      {"Endpoints", true, {"endpoints"}, {"ep"}},
      {"EndpointSlice", true, {"endpointslice", "endpointslices"}},
      {"Ingress", true, {"ingress", "ingresses"}, {"ing"}},
      {"ConfigMap", true, {"configmap", "configmaps"}, {"cm"}},
      {"Secret", true, {"secret", "secrets"}},
      {"ServiceAccount", true, {"serviceaccount", "serviceaccounts"}, {"sa"}},
      {"PersistentVolumeClaim", true, {"persistentvolumeclaim", "persistentvolumeclaims"}, {"pvc"}},
      {"HorizontalPodAutoscaler",
       true,
       {"horizontalpodautoscaler", "horizontalpodautoscalers"},
       {"hpa"}},
      {"PersistentVolume", false, {"persistentvolume", "persistentvolumes"}, {"pv"}},
      {"StorageClass", false, {"storageclass", "storageclasses"}, {"sc"}},
      {"Node", false, {"node", "nodes"}},
      {"Namespace", false, {"namespace", "namespaces"}},
      {"CustomResourceDefinition",
       false,
       {"customresourcedefinition", "customresourcedefinitions"},
       {"crd"}},
      {"APIService", false, {"apiservice", "apiservices"}},
      {"ValidatingWebhookConfiguration",
       false,
       {"validatingwebhookconfiguration", "validatingwebhookconfigurations"}},
      {"MutatingWebhookConfiguration",
       false,
       {"mutatingwebhookconfiguration", "mutatingwebhookconfigurations"}},
  };
  return table;
}

// Resource word (any case, without its group suffix) -> table entry.
const Resource* resource_of(std::string_view word) {
  static const std::map<std::string, const Resource*> by_word = [] {
    std::map<std::string, const Resource*> m;
    for (const Resource& r : resources()) {
      for (const char* n : r.names) m[n] = &r;
      for (const char* n : r.shorts) m[n] = &r;
    }
    return m;
  }();
  const std::string lower = to_lower(word.substr(0, word.find('.')));
  auto it = by_word.find(lower);
  return it == by_word.end() ? nullptr : it->second;
}

bool is_namespaced(const std::string& kind) {
  for (const Resource& r : resources())
    if (kind == r.kind) return r.namespaced;
  return false;  // Webhook, Operation
}

// "pods|pod|..." longest first, for a regex alternation.
std::string alternation(bool with_shorts) {
  std::vector<std::string> words;
  for (const Resource& r : resources()) {
    for (const char* n : r.names) words.emplace_back(n);
    if (with_shorts)
      for (const char* n : r.shorts) words.emplace_back(n);
  }
  std::sort(words.begin(), words.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  return join(words, "|");
}

// An object name (DNS subdomain) and a namespace (DNS label).
constexpr const char* kName = "[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?";
constexpr const char* kLabel = "[a-z0-9](?:[-a-z0-9]*[a-z0-9])?";
// What may stand before a resource word: not part of a word, a path or a host name.
constexpr const char* kWordStart = "(?:^|[^A-Za-z0-9_./-])";
// A group suffix: deployments.apps, ingresses.networking.k8s.io.
constexpr const char* kGroup = "(?:\\.[a-z0-9-]+)*";

using Groups = std::vector<re2::StringPiece>;
using Found = std::vector<std::pair<std::size_t, Mention>>;  // position in the text, mention

// Calls `on` for each match of `re` (with `n` groups) in `text`, left to right.
void each_match(const RE2& re, std::string_view text, int n,
                const std::function<void(const Groups&)>& on) {
  Groups g(static_cast<std::size_t>(n) + 1);
  const re2::StringPiece whole(text.data(), text.size());
  std::size_t pos = 0;
  while (pos <= text.size() &&
         re.Match(whole, pos, text.size(), RE2::UNANCHORED, g.data(), n + 1)) {
    on(g);
    const auto end = static_cast<std::size_t>(g[0].data() + g[0].size() - text.data());
    pos = std::max(end, pos + 1);
  }
}

std::string_view view(const re2::StringPiece& p) { return {p.data(), p.size()}; }

std::string to_upper_ascii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The text from group `from` to the end of the match, and where it starts.
std::pair<std::size_t, std::string> span(std::string_view text, const Groups& g, int from) {
  const std::size_t start = static_cast<std::size_t>(g[from].data() - text.data());
  const std::size_t end = static_cast<std::size_t>(g[0].data() + g[0].size() - text.data());
  return {start, std::string(text.substr(start, end - start))};
}

void add(Found& out, std::pair<std::size_t, std::string> where, std::string kind,
         std::string_view ns, std::string_view name) {
  if (name.empty() || name.size() > 253 || ns.size() > 63) return;
  out.push_back({where.first, Mention{std::move(kind), std::string(ns), std::string(name),
                                      std::move(where.second)}});
}

// pods/NAME, deployment.apps/NAME, Deployment/NS/NAME (Flux, kstatus), pods/NAME/log.
void resource_slash_name(std::string_view text, Found& out) {
  static const RE2 re(std::string(kWordStart) + "((?i:" + alternation(true) + ")" + kGroup + ")/(" +
                      kName + ")(?:/(" + kName + "))?");
  each_match(re, text, 3, [&](const Groups& g) {
    const Resource* r = resource_of(view(g[1]));
    if (r == nullptr) return;
    // A third part names the object when the word is a Kind (Deployment/ns/name); after a
    // resource (pods/name/log) it is a subresource.
    const bool kind_form = !g[3].empty() && g[1][0] >= 'A' && g[1][0] <= 'Z';
    if (kind_form && r->namespaced)
      add(out, span(text, g, 1), r->kind, view(g[2]), view(g[3]));
    else
      add(out, span(text, g, 1), r->kind, "", view(g[2]));
  });
}

// pods "NAME", deployment "NAME", deployments.apps "NAME", pod="NS/NAME", in namespace "NS",
// with Go's %q quotes possibly escaped once more (\"NAME\") inside a JSON or Go string.
void resource_quoted_name(std::string_view text, Found& out) {
  static const RE2 re(std::string(kWordStart) + "((?i:" + alternation(false) + ")" + kGroup +
                      ")(?:\\s+|=)\\\\?[\"'](?:(" + kLabel + ")/)?(" + kName + ")\\\\?[\"']");
  each_match(re, text, 3, [&](const Groups& g) {
    const Resource* r = resource_of(view(g[1]));
    if (r == nullptr || (!g[2].empty() && !r->namespaced)) return;
    add(out, span(text, g, 1), r->kind, view(g[2]), view(g[3]));
  });
}

// -n NS, --namespace NS, --namespace=NS, in namespace NS (unquoted).
void namespace_flags(std::string_view text, Found& out) {
  static const RE2 flag("(?:^|\\s)((?:-n|--namespace)(?:\\s+|=)([a-z][-a-z0-9]*[a-z0-9]))");
  static const RE2 phrase("(?:^|\\s)((?i:in namespace)\\s+(" + std::string(kLabel) + "))");
  for (const RE2* re : {&flag, &phrase}) {
    each_match(*re, text, 2,
               [&](const Groups& g) { add(out, span(text, g, 1), "Namespace", "", view(g[2])); });
  }
}

// /api/v1/namespaces/NS/pods/NAME, /apis/apps/v1/namespaces/NS/deployments/NAME.
void api_paths(std::string_view text, Found& out) {
  static const RE2 re("(/namespaces/(" + std::string(kLabel) + ")(?:/([a-z]+)/(" + kName + "))?)");
  each_match(re, text, 4, [&](const Groups& g) {
    const Resource* r = g[3].empty() ? nullptr : resource_of(view(g[3]));
    if (r != nullptr && r->namespaced)
      add(out, span(text, g, 1), r->kind, view(g[2]), view(g[4]));
    else
      add(out, span(text, g, 1), "Namespace", "", view(g[2]));
  });
}

// SVC.NS.svc[.cluster.local][:port], and HOST.SVC.NS.svc (a StatefulSet pod behind its
// headless Service, whose host name is the pod's name).
void service_hosts(std::string_view text, Found& out) {
  static const RE2 re("(?:^|[^A-Za-z0-9_.-])((?:(" + std::string(kLabel) + ")\\.)?(" + kLabel +
                      ")\\.(" + kLabel + ")\\.svc(?:\\.cluster\\.local)?(?::[0-9]+)?)");
  each_match(re, text, 4, [&](const Groups& g) {
    const auto end = static_cast<std::size_t>(g[0].data() + g[0].size() - text.data());
    // svc.example.com is some other domain, not a cluster's.
    if (end + 1 < text.size() && text[end] == '.' &&
        std::isalnum(static_cast<unsigned char>(text[end + 1])))
      return;
    if (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                              text[end] == '-' || text[end] == '_'))
      return;
    add(out, span(text, g, 1), "Service", view(g[4]), view(g[3]));
    if (!g[2].empty()) add(out, span(text, g, 1), "Pod", view(g[4]), view(g[2]));
  });
}

// The API server's admission errors: `failed calling webhook "NAME": ...` (the call failed) and
// `admission webhook "NAME" denied the request: ...` (the webhook refused).
void webhooks(std::string_view text, Found& out) {
  static const RE2 re(
      "((?:failed calling webhook|admission webhook)\\s+\\\\?\"([^\"\\\\\\s]+)\\\\?\")");
  each_match(re, text, 2,
             [&](const Groups& g) { add(out, span(text, g, 1), "Webhook", "", view(g[2])); });
}

// GET /api/items, POST http://host:8080/api/items, and Go's url.Error `Get "http://host/path"`.
void operations(std::string_view text, Found& out) {
  static const RE2 re(
      "(?:^|[^A-Za-z0-9_])((GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|Get|Head|Post|Put|Patch|"
      "Delete|Options)\\s+(\\\\?[\"']?)(https?://[^/\\s\"'\\\\]+)?(/[^\\s\"'\\\\?#]*)?)");
  each_match(re, text, 5, [&](const Groups& g) {
    std::string method(view(g[2]));
    const bool go_form = method.substr(1) != to_upper_ascii(method.substr(1));
    if (go_form && (g[3].empty() || g[4].empty())) return;  // "Get" in prose
    if (g[4].empty() && g[5].empty()) return;
    std::string path = g[5].empty() ? "/" : std::string(view(g[5]));
    while (path.size() > 1 && std::string_view(".,;:)]").find(path.back()) != std::string::npos)
      path.pop_back();
    add(out, span(text, g, 1), "Operation", "", to_upper_ascii(method) + " " + path);
  });
}

// Each (kind, ns, name) once, first appearance first; the single namespace named fills the
// namespaced mentions that have none; a mention without a namespace goes when the same object
// is also mentioned with one.
std::vector<Mention> settle(Found found) {
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::set<std::string> namespaces;
  for (const auto& [pos, m] : found)
    if (m.kind == "Namespace") namespaces.insert(m.name);
  std::vector<Mention> out;
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::set<std::pair<std::string, std::string>> with_ns;
  for (auto& [pos, m] : found) {
    if (m.ns.empty() && namespaces.size() == 1 && is_namespaced(m.kind)) m.ns = *namespaces.begin();
    if (!m.ns.empty()) with_ns.insert({m.kind, m.name});
    if (seen.insert({m.kind, m.ns, m.name}).second) out.push_back(std::move(m));
  }
  std::erase_if(out, [&](const Mention& m) {
    return m.ns.empty() && with_ns.count({m.kind, m.name}) > 0;
  });
  return out;
}

}  // namespace

std::vector<Mention> text_mentions(std::string_view text) {
  Found found;
  for (auto* scan : {&resource_slash_name, &resource_quoted_name, &namespace_flags, &api_paths,
                     &service_hosts, &webhooks, &operations})
    scan(text, found);
  return settle(std::move(found));
}

std::vector<Mention> test_mentions(const TestCase& c) {
  const std::string& failure = c.detail.empty() ? c.message : c.detail;
  return text_mentions(c.name + "\n" + c.classname + "\n" + failure);
}

}  // namespace kmg::report
