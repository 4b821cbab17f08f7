#include "kube/list.h"

#include "util/text.h"

namespace kmg::kube {

namespace {

std::string page_path(const std::string& path, int page_size, const std::string& token) {
  std::string out = path;
  char sep = path.find('?') == std::string::npos ? '?' : '&';
  auto add = [&](const std::string& param) {
    out += sep;
    out += param;
    sep = '&';
  };
  if (page_size > 0) add("limit=" + std::to_string(page_size));
  if (!token.empty()) add("continue=" + url_encode(token));
  return out;
}

std::string continue_token(const nlohmann::json& page) {
  auto meta = page.find("metadata");
  if (meta == page.end() || !meta->is_object()) return {};
  auto c = meta->find("continue");
  return (c != meta->end() && c->is_string()) ? c->get<std::string>() : std::string();
}

}  // namespace

ListResult list_all(KubeApi& api, const std::string& path, int page_size,
                    const ListObserver& observer) {
  ListResult result;
  result.list = {{"items", nlohmann::json::array()}};
  std::string token;
  while (true) {
    const std::string url = page_path(path, page_size, token);
    Response r = api.get(url);
    ++result.requests;
    result.bytes += r.bytes;
    if (observer.on_response) observer.on_response(url, r);
    if (r.status == 410 && !token.empty() && !result.restarted) {
      // Restarting with a limit would page into the same compaction again; one unpaged list is
      // what client-go falls back to, and it cannot expire.
      result.restarted = true;
      token.clear();
      page_size = 0;
      result.pages = 0;
      result.list["items"] = nlohmann::json::array();
      continue;
    }
    auto fail = [&](std::string error) {
      result.status = r.status;
      result.error = std::move(error);
      result.failed_url = url;
      return result;
    };
    if (!r.ok()) return fail(r.describe());
    auto page = nlohmann::json::parse(r.body, nullptr, false);
    if (page.is_discarded() || !page.is_object()) return fail("the reply is not a JSON object");
    auto items = page.find("items");
    if (items == page.end() || !items->is_array()) return fail("the reply is not a List");
    ++result.pages;
    auto& all = result.list["items"];
    for (auto& item : *items) {
      if (observer.on_item) observer.on_item(item);
      all.push_back(std::move(item));
    }
    for (const char* key : {"kind", "apiVersion"}) {
      if (page.contains(key)) result.list[key] = page[key];
    }
    token = continue_token(page);
    if (auto meta = page.find("metadata"); meta != page.end() && meta->is_object()) {
      meta->erase("continue");
      meta->erase("remainingItemCount");
      result.list["metadata"] = std::move(*meta);
    }
    if (token.empty()) break;
  }
  result.ok = true;
  return result;
}

}  // namespace kmg::kube
