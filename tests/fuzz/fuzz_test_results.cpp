// libFuzzer target: the test-result readers (format detection, JUnit XML, Ginkgo v2 JSON, go test
// -json). Every reader gets every input, so each is explored whatever detection decides; go test
// -json is also fed in two chunks split where the input says, as a tar entry arrives.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report/ginkgo_json.h"
#include "report/go_test_json.h"
#include "report/junit.h"
#include "report/test_results.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  kmg::report::TestData out;
  kmg::report::add_test_results(text, "fuzz", out);
  kmg::report::add_ginkgo_json(text, "fuzz.json", out);
  kmg::report::add_junit(text, "fuzz.xml", out);
  kmg::report::GoTestJsonReader reader("fuzz.jsonl", out);
  const std::size_t split = size == 0 ? 0 : data[0] % size;
  reader.feed(text.substr(0, split));
  reader.feed(text.substr(split));
  reader.finish();
  return 0;
}
