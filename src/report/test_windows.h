// When a finding happened, to link a failed test only to findings of its own run: a test that
// failed at 10:05 is not explained by a pod that started crashing at 11:00, nor by a pod that
// failed and was replaced an hour before it ran.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "report/analysis.h"
#include "report/model.h"

namespace kmg::report {

// Clocks of the CI runner and of the cluster differ a little, and events have second precision.
inline constexpr EpochNanos kTestWindowSlack = 5LL * 60 * 1000 * 1000 * 1000;

struct TimeSpan {
  EpochNanos first = 0, last = 0;
};

class EvidenceTimes {
 public:
  explicit EvidenceTimes(const Model& m);
  // The span of a finding's evidence (its object's and its pods' Warning events and error log
  // lines); nullopt when none carries a time.
  std::optional<TimeSpan> of(const Finding& f) const;
  // Whether the finding's condition is still there: false only when every pod it is about is
  // gone from the gathered pods (detectors otherwise read the state at gather time).
  bool still_going(const Finding& f) const;
  // Whether the finding can explain the failed test: no times on either side, or its evidence
  // began before the test ended and lasted (or still lasts) into the test, with slack.
  bool explains(const TestCase& t, const Finding& f) const;

 private:
  using Key =
      std::tuple<std::string, std::string, std::string, std::string>;  // cluster ns kind name
  void add(const Key& key, EpochNanos first, EpochNanos last);
  void add_events(const std::string& cluster, const ClusterData& c);
  void add_logs(const std::string& cluster, const ClusterData& c);

  std::map<Key, TimeSpan> spans_;
  std::set<std::tuple<std::string, std::string, std::string>> pods_;  // cluster ns name
};

}  // namespace kmg::report
