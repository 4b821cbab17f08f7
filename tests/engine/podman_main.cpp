// main() of the podman test programs: SKIP (exit 77) with the reason when podman is not usable.
#define DOCTEST_CONFIG_IMPLEMENT
#include <iostream>
#include <stdexcept>

#include <doctest/doctest.h>

#include "podman_fixture.h"

namespace kmg::testing {

namespace {
PodmanFixture* g_fixture = nullptr;  // set only by run_podman_tests, for the program's lifetime
}  // namespace

PodmanFixture& podman_fixture() {
  if (g_fixture == nullptr) throw std::logic_error("podman_fixture() outside run_podman_tests");
  return *g_fixture;
}

int run_podman_tests(int argc, char** argv) {
  std::string why_not;
  auto fixture = PodmanFixture::start(why_not);
  if (!fixture) {
    std::cout << "SKIP: " << why_not << "\n";
    return 77;
  }
  g_fixture = fixture.get();
  doctest::Context context(argc, argv);
  const int rc = context.run();
  g_fixture = nullptr;
  fixture.reset();
  return rc;
}

}  // namespace kmg::testing

int main(int argc, char** argv) { return kmg::testing::run_podman_tests(argc, argv); }
