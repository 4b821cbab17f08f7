// Node logs, like `kind export logs`: for every node container, through the container engine,
// its serial log and inspect document, and for running nodes the journal (whole, kubelet,
// containerd), images and containers (crictl, else ctr in containerd's k8s.io namespace), the
// containerd config, the Kubernetes version and all of /var/log (collectors/node_var_log.h).
//
// An exec's stdout is the file; its stderr never is. A command that exits non-zero is recorded
// in the manifest with its stderr and writes no file. Commands run privileged as kind runs them;
// when the engine refuses a privileged exec (rootless engines, a sandbox without
// CAP_SYS_RESOURCE: "unable to apply caps"), they run again unprivileged (reading journals and
// files needs no privilege) and a manifest note says so. Every call is bounded by
// node_call_timeout and the deadline; a node that stops answering (stopped or paused
// mid-gather) costs one timeout, and the rest of its calls are skipped with a note.
// Everything passes through the redactor.
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_node_logs(ClusterContext& ctx);

}  // namespace kmg::collectors
