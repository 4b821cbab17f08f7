// Server-side printing: the meta.k8s.io/v1 Table the apiserver returns when kubectl asks for
// `as=Table`, with the column logic of kubernetes pkg/printers/internalversion/printers.go.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store.h"

namespace kmg::fakeapi {

// `include_object`: "Metadata" (default), "Object" or "None". `now_seconds`: the clock for Age.
json make_table(const ResourceInfo& resource, const std::vector<json>& items,
                const std::string& include_object, std::int64_t now_seconds);

// kubectl's pod STATUS and READY/RESTARTS cells, exposed for tests.
struct PodSummary {
  std::string ready;
  std::string status;
  std::string restarts;
};
PodSummary summarize_pod(const json& pod, std::int64_t now_seconds);

}  // namespace kmg::fakeapi
