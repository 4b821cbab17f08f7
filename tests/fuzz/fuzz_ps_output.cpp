// libFuzzer target: container CLI output parsing (`ps --format '{{json .}}'` lines or a podman
// array, label and port strings, human status).
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/cli_engine.h"
#include "util/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)kmg::engine::parse_ps_output(text);
  } catch (const kmg::Error&) {
    // Documented: a line that is not JSON is a kmg::Error naming it.
  }
  (void)kmg::engine::parse_label_string(text);
  (void)kmg::engine::parse_port_string(text);
  (void)kmg::engine::state_from_status(text);
  return 0;
}
