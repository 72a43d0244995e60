// Ctrl-C (SIGINT) and SIGTERM for the long commands (`mpsim train`, `mpsim run`): the handler
// only records the signal; the work polls interrupt_signal() at its safe points (between
// training steps, between experiment points), stops there, keeps what is already written
// (checkpoints and finished points are complete files), says how to resume, and exits with
// 128 + the signal (130 for Ctrl-C), as a shell reports a process the signal ended.
#pragma once

namespace mpsim::cli {

// Installs the handlers. Each is one-shot (SA_RESETHAND): a second Ctrl-C ends the process at
// once, as it would without mpsim's handler; every file is still whole, because every write
// is atomic.
void catch_interrupts();

// The signal received since catch_interrupts(), or 0.
int interrupt_signal();

}  // namespace mpsim::cli
