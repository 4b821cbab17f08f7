// Failed tests explained: each failed test is linked to the objects its name and message mention
// (pods/NAME, deployment "NAME", Service hosts, webhooks, HTTP operations) and through them to the
// findings on those objects and their root causes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report/analysis.h"
#include "report/model.h"

namespace kmg::report {

struct TestLink {
  const TestCase* test = nullptr;
  std::vector<std::size_t> findings;   // findings on what the test mentions (rank order)
  std::vector<std::size_t> roots;      // their root causes
  std::vector<std::string> looked_at;  // the mentions, "Deployment shop/api"
};

// One entry per failed (or errored) test, in the Model's order.
std::vector<TestLink> explain_tests(const Model& m, const std::vector<Finding>& findings);

}  // namespace kmg::report
