#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

#include "util/work_pool.h"

TEST_SUITE("util::work_pool") {
  TEST_CASE("runs every task, including tasks submitted by tasks") {
    std::atomic<int> done{0};
    kmg::WorkPool pool(3);
    for (int i = 0; i < 50; ++i) {
      pool.submit([&] {
        ++done;
        pool.submit([&] { ++done; });
      });
    }
    pool.wait_idle();
    CHECK(done.load() == 100);
  }

  TEST_CASE("never runs more tasks at once than it has workers") {
    std::atomic<int> in_flight{0}, peak{0};
    kmg::WorkPool pool(2);
    for (int i = 0; i < 40; ++i) {
      pool.submit([&] {
        const int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        --in_flight;
      });
    }
    pool.wait_idle();
    CHECK(peak.load() <= 2);
    CHECK(peak.load() >= 1);
  }

  TEST_CASE("a throwing task does not stop the others") {
    std::atomic<int> done{0};
    kmg::WorkPool pool(2);
    pool.submit([] { throw std::runtime_error("boom"); });
    for (int i = 0; i < 10; ++i) pool.submit([&] { ++done; });
    pool.wait_idle();
    CHECK(done.load() == 10);
  }
}
