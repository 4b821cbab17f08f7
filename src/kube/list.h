// Reads a whole List page by page (limit + continue), as kubectl does for large collections.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/kube_api.h"

namespace kmg::kube {

struct ListResult {
  // {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":...},"items":[...]} with the
  // items of every page fetched (all of them when ok, those gathered before the failure if not).
  nlohmann::json list;
  bool ok = false;
  long status = 0;         // HTTP status of the failed page (0: transport failure)
  std::string error;       // Response::describe() of the failed page, or why its JSON was refused
  std::string failed_url;  // the page that failed
  int pages = 0;           // pages fetched successfully
  int requests = 0;        // requests made, failed ones included
  std::uint64_t bytes = 0;
  bool restarted = false;  // a continue token expired (410) and the list was read again whole
};

// Optional hooks, so callers can account for every request and slim items as they arrive
// instead of after the whole list is in memory.
struct ListObserver {
  std::function<void(const std::string& url, const Response&)> on_response;
  std::function<void(nlohmann::json& item)> on_item;
};

// GETs `path` (which may already carry a query) with limit=`page_size` (no limit when <= 0),
// following metadata.continue until the last page. A continue token that expired (410) is
// answered as client-go's pager does: the list is read again once, whole, without a limit, so a
// server that compacts faster than we page still gives a complete, consistent list.
ListResult list_all(KubeApi& api, const std::string& path, int page_size = 500,
                    const ListObserver& observer = {});

}  // namespace kmg::kube
