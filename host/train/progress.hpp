// Per-epoch progress: on a TTY a bar redrawn in place (loss, accuracy, ETA); otherwise (logs,
// pipes, tests) one plain line per epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <fmt/core.h>

#include "host/train/run_state.hpp"

namespace mpsim::host::train {

class Progress {
 public:
  Progress(std::FILE* out, bool bar, int epochs, std::int64_t steps_per_epoch)
      : out_(out), bar_(bar), epochs_(epochs), steps_(steps_per_epoch) {}

  void start_epoch(int epoch) {
    epoch_ = epoch;
    start_ = last_ = std::chrono::steady_clock::now();
  }

  void step(std::int64_t done, double loss, double accuracy) {
    if (!out_ || !bar_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < steps_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done > 0 ? elapsed * static_cast<double>(steps_ - done) / static_cast<double>(done) : 0.0;
    constexpr int kWidth = 30;
    const auto filled = static_cast<int>(kWidth * done / std::max<std::int64_t>(1, steps_));
    fmt::print(out_, "\repoch {}/{} [{}{}] {}/{} loss {:.4f} acc {:.2f}% ETA {:.0f}s ", epoch_ + 1, epochs_,
               std::string(static_cast<std::size_t>(filled), '#'), std::string(static_cast<std::size_t>(kWidth - filled), '.'),
               done, steps_, loss, 100 * accuracy, eta);
    std::fflush(out_);
    bar_drawn_ = true;
  }

  // The run stops mid-epoch (Ctrl-C): end the bar's line so the next message starts on its own.
  void interrupted() {
    if (!out_ || !bar_drawn_) return;
    fmt::print(out_, "\n");
    std::fflush(out_);
    bar_drawn_ = false;
  }

  void end_epoch(const EpochMetrics& m, const std::string& status) {
    if (!out_) return;
    if (bar_) fmt::print(out_, "\r\033[K");
    bar_drawn_ = false;
    fmt::print(out_, "epoch {}/{}: loss {:.4f} train {:.2f}% test {:.2f}% lr {:.4g} scale {:g} overflow {} promotions {} {:.1f}s{}\n",
               m.epoch, epochs_, m.train_loss, 100 * m.train_accuracy, 100 * m.test_accuracy, m.lr, m.loss_scale,
               m.overflow, m.promotions, m.train_seconds, status == "diverged" ? " DIVERGED" : "");
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  bool bar_;
  int epochs_;
  std::int64_t steps_;
  int epoch_ = 0;
  bool bar_drawn_ = false;  // a bar line is on screen without its newline
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace mpsim::host::train
