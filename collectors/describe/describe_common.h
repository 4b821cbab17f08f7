// Pieces shared by the pod and node printers (kubectl's printLabelsMultiline and friends).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "collectors/describe/tabwriter.h"
#include "util/timestamps.h"

namespace kmg::describe::detail {

// Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". Without a time, Go's zero time
// ("Mon, 01 Jan 0001 00:00:00 +0000"), which is what kubectl prints for a null timestamp.
std::string rfc1123z(std::optional<EpochNanos> t);
std::string rfc1123z(const nlohmann::json& timestamp);

// "Title:\tk=v\n\tk2=v2\n", sorted; "<none>" when empty.
void print_labels(PrefixWriter& w, const std::string& title, const nlohmann::json& labels);
// "Title:\tk: v", sorted, last-applied-configuration skipped, long or multi-line values broken
// onto indented lines and cut at 140 characters.
void print_annotations(PrefixWriter& w, const std::string& title,
                       const nlohmann::json& annotations);
// "key=value:Effect op=Exists for 300s", sorted by key.
void print_tolerations(PrefixWriter& w, const std::string& title, const nlohmann::json& list);
// "key=value:Effect", sorted by effect then key.
void print_taints(PrefixWriter& w, const std::string& title, const nlohmann::json& list);
// metav1.FormatLabelSelector: "app=web,tier in (a,b)"; "<none>" when empty.
std::string format_label_selector(const nlohmann::json& selector);

}  // namespace kmg::describe::detail
