// Which ErrorKind an engine's answer is. Docker, Podman and their CLIs say the same things in
// a few shapes: an HTTP status with a JSON message, an exec whose start failed (Docker writes
// "OCI runtime exec failed: ..." into the exec's output stream and reports exit code 126 or 127),
// or a CLI's stderr.
#pragma once

#include <string_view>

#include "engine/engine_api.h"

namespace kmg::engine {

// From an engine's HTTP error reply: 404 not_found, 409 not_running (Docker and Podman answer
// 409 for exec in a stopped or paused container), 401/403 refused, else by the message.
ErrorKind kind_from_status(long status, std::string_view message);

// From a message alone: "unable to apply caps", "operation not permitted", "permission denied"
// refused; "is not running", "is paused", "state improper" not_running; "no such container",
// "executable file not found", "no such file or directory" not_found; otherwise failed.
ErrorKind kind_from_message(std::string_view message);

// True when `text` (the first bytes of an exec's output, or a CLI's stderr) is the engine's
// report that the command never started, not the command's own output.
bool is_exec_start_failure(std::string_view text);

}  // namespace kmg::engine
