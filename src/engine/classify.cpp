#include "engine/classify.h"

#include <string>

#include "util/text.h"

namespace kmg::engine {
namespace {

bool contains_any(const std::string& text, std::initializer_list<const char*> needles) {
  for (const char* needle : needles)
    if (text.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none:
      return "ok";
    case ErrorKind::not_found:
      return "not found";
    case ErrorKind::not_running:
      return "not running";
    case ErrorKind::refused:
      return "refused";
    case ErrorKind::timed_out:
      return "timed out";
    case ErrorKind::unavailable:
      return "unavailable";
    case ErrorKind::failed:
      return "failed";
  }
  return "failed";
}

ErrorKind kind_from_message(std::string_view message) {
  const std::string text = to_lower(message);
  // Docker: "unable to apply caps: operation not permitted"; rootless engines: "permission
  // denied" when asked for --privileged.
  if (contains_any(text, {"unable to apply caps", "operation not permitted", "permission denied"}))
    return ErrorKind::refused;
  // Docker: "Container x is not running", "Container x is paused, unpause the container before
  // exec"; Podman: "container state improper", "can only create exec sessions on running
  // containers".
  if (contains_any(text, {"is not running", "is paused", "state improper", "not running",
                          "on running containers"}))
    return ErrorKind::not_running;
  if (contains_any(text, {"no such container", "executable file not found",
                          "no such file or directory", "could not find the file", "not found"}))
    return ErrorKind::not_found;
  return ErrorKind::failed;
}

ErrorKind kind_from_status(long status, std::string_view message) {
  if (status == 404) return ErrorKind::not_found;
  if (status == 409) return ErrorKind::not_running;
  if (status == 401 || status == 403) return ErrorKind::refused;
  return kind_from_message(message);
}

bool is_exec_start_failure(std::string_view text) {
  const std::string head = to_lower(text.substr(0, 512));
  // Docker: "OCI runtime exec failed: exec failed: unable to start container process: ...";
  // Podman: "Error: crun: executable file `x` not found", "Error: runc: exec failed: ...".
  return head.rfind("oci runtime exec failed", 0) == 0 || head.rfind("error: runc:", 0) == 0 ||
         head.rfind("error: crun:", 0) == 0 || head.rfind("error: oci runtime", 0) == 0 ||
         contains_any(head, {"unable to start container process", "unable to apply caps"});
}

}  // namespace kmg::engine
