// Discovery: /version, /healthz, /api, /apis and the APIResourceLists kubectl caches.
#include "server.h"
#include "server_http.h"
#include "util/text.h"

namespace kmg::fakeapi {
namespace {

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

}  // namespace

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

}  // namespace kmg::fakeapi
