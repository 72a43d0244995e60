#include "host/cli/interrupt.hpp"

#include <csignal>
#include <initializer_list>

namespace mpsim::cli {
namespace {

// Written by the handler, read by the work: the one thing a handler may safely do.
volatile std::sig_atomic_t g_signal = 0;

extern "C" void record_signal(int sig) { g_signal = sig; }

}  // namespace

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: a read or write the signal lands in resumes instead of failing with EINTR.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  for (const int sig : {SIGINT, SIGTERM}) {
    // A signal ignored on entry (a job started with `&` by a non-interactive shell) stays
    // ignored: whoever started mpsim asked for that.
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sig, &action, nullptr);
  }
}

int interrupt_signal() { return g_signal; }

}  // namespace mpsim::cli
