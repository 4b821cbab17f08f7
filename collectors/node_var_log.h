// /var/log of a node, as `kind export logs` copies it: one tar stream from the engine's archive
// endpoint (GET /containers/{id}/archive?path=/var/log), unpacked while it arrives with flat
// memory, every regular file redacted line by line and kept to its last log_limit_bytes.
// The kubelet's pod logs keep kind's place (node-logs/<node>/pods/...); the rest of /var/log
// goes under node-logs/<node>/var-log/ so it cannot collide with the node files we write.
// The binary journal (/var/log/journal) is skipped: journal.log holds it as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collectors/collector.h"
#include "engine/engine_api.h"

namespace kmg::discovery {
struct NodeInfo;
}

namespace kmg::collectors {

struct VarLogResult {
  engine::StreamResult engine;  // what the engine said about the stream
  std::string read_error;       // the tar stream could not be read ("" when it could)
  std::uint64_t files = 0;      // files written
};

VarLogResult collect_var_log(ClusterContext& ctx, engine::EngineApi& engine,
                             const discovery::NodeInfo& node, const std::string& id,
                             const std::string& scratch, const engine::CallOptions& call);

// The bundle name (under the node's folder) of archive entry `entry` ("log/pods/ns_p_u/c/0.log"
// → "pods/ns_p_u/c/0.log", "log/syslog" → "var-log/syslog"), every component sanitized.
// Nothing for entries to skip: the journal, the directory itself, entries that try to leave it.
std::optional<std::string> var_log_name(std::string_view entry);

}  // namespace kmg::collectors
