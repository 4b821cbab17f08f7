// JUnit XML as Ginkgo, go-junit-report, pytest and Maven surefire write it.
#pragma once

#include <string>
#include <string_view>

#include "report/model.h"

namespace kmg::report {

// Adds the test cases of one XML file to `out`; a file that is not JUnit adds nothing, a file
// that does not parse adds a parse error.
void add_junit(std::string_view xml, const std::string& file, TestData& out);

}  // namespace kmg::report
