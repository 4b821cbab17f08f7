#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "util/path.h"

TEST_SUITE("util::path") {
  TEST_CASE("ordinary names pass through") {
    CHECK(kmg::safe_path_component("web-7d4b9") == "web-7d4b9");
    CHECK(kmg::safe_path_component("widgets.example.com") == "widgets.example.com");
  }

  TEST_CASE("separators, dot names and control bytes are neutralised") {
    const std::vector<std::string> bad_names = {"a/b",  "..",  ".", "", std::string("a\0b", 3),
                                                "a\nb", "x\\y"};
    for (const auto& bad : bad_names) {
      const auto safe = kmg::safe_path_component(bad);
      CHECK(safe.find('/') == std::string::npos);
      CHECK(safe.find('\0') == std::string::npos);
      CHECK(safe != "..");
      CHECK(safe != ".");
      CHECK_FALSE(safe.empty());
    }
  }

  TEST_CASE("names that clean to the same text stay distinct") {
    CHECK(kmg::safe_path_component("a/b") != kmg::safe_path_component("a\\b"));
  }

  TEST_CASE("long names are cut to a bounded length") {
    CHECK(kmg::safe_path_component(std::string(1000, 'x')).size() <= 210);
  }
}
