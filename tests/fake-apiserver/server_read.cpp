// list and get: paging with continue tokens, selectors, Table output.
#include "selectors.h"
#include "server.h"
#include "server_http.h"
#include "tables.h"
#include "util/text.h"

namespace kmg::fakeapi {
namespace {

constexpr const char* kExpiredMessage =
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list.";

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

}  // namespace

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
  std::int64_t list_rv = 0;
  for (const auto& ptr : store_.objects(r, &list_rv)) {
    const json& obj = *ptr;
    const auto& md = obj["metadata"];
    if (!ns.empty() && md.value("namespace", "") != ns) continue;
    if (!start.empty() && object_key(obj) < start) continue;
    if (!labels_match(labels, md.value("labels", json::object()))) continue;
    if (!fields_match(r, fields, obj)) continue;
    if (limit > 0 && static_cast<std::int64_t>(page.size()) >= limit) {
      if (next.empty()) next = make_continue(list_rv, object_key(page.back()) + '\0');
      ++remaining;
      continue;
    }
    page.push_back(output_object(r, obj, true));
  }
  json metadata = {{"resourceVersion", std::to_string(list_rv)}};
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
  const ObjectPtr obj = store_.get(r, ns, name);
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

}  // namespace kmg::fakeapi
