// libFuzzer target: JUnit XML parsing (Ginkgo, go-junit-report, pytest, surefire shapes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report/junit.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kmg::report::TestData out;
  kmg::report::add_junit(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.xml",
                         out);
  return 0;
}
