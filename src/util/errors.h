// Errors that carry their context: which cluster, which request, which file.
#pragma once

#include <stdexcept>
#include <string>

namespace kmg {

// Thrown for a failure the caller can report and move past (a bad kubeconfig, an engine that
// refuses). The message names what failed and where, e.g.
// "kubeconfig /home/u/.kube/config: users[0].user.client-key-data: invalid base64".
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kmg
