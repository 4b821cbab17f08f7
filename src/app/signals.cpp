#include "app/signals.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "util/deadline.h"

namespace kmg::app {
namespace {

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // our own wake-up at shutdown
  return set;
}

}  // namespace

SignalGuard::SignalGuard(Deadline& deadline) {
  const sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::thread([this, &deadline, set] {
    int signal_number = 0;
    while (sigwait(&set, &signal_number) == 0) {
      if (done_.load()) return;
      if (signal_number == SIGUSR1) continue;
      if (interrupted_.exchange(true)) {
        static constexpr char msg[] = "kind-must-gather: second signal, exiting now\n";
        (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
        ::_exit(128 + signal_number);
      }
      spdlog::warn("signal {}: finishing a partial bundle (send again to exit at once)",
                   signal_number);
      deadline.cancel();
    }
  });
}

SignalGuard::~SignalGuard() {
  done_.store(true);
  pthread_kill(watcher_.native_handle(), SIGUSR1);
  watcher_.join();
  const sigset_t set = watched_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace kmg::app
