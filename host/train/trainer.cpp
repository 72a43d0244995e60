// The training loop, top to bottom: for every epoch, for every batch: begin the step, round the
// weights' working copy, forward, loss, backward (loss-scaled), check the gradients, update,
// let the policy react. Then evaluate, record and checkpoint.
#include "host/train/trainer.hpp"

#include <malloc.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include <fmt/core.h>

#include "host/train/outputs.hpp"
#include "host/train/progress.hpp"
#include "host/train/session.hpp"
#include "model/format_names.hpp"

namespace mpsim::host::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Any Inf/NaN in a weight gradient (GradScaler's found_inf): the step is skipped.
bool gradients_finite(nn::PrecisionContext& ctx, const nn::Network& net) {
  for (const nn::Param& p : net.params())
    if (ctx.backend().count_non_finite(p.grad) > 0) return false;
  return true;
}

// Test accuracy with activations still rounded and BN in eval mode (Lee et al.'s protocol).
void evaluate(Session& s, const data::Dataset& test, EpochMetrics& m) {
  const auto start = Clock::now();
  s.ctx.set_recording(false);
  s.net.refresh_weights(s.ctx);
  data::BatchIterator batches(test, s.config.batch, s.config.seed, false);
  batches.start_epoch(0);
  std::vector<float> images;
  std::vector<std::int32_t> labels;
  double loss_sum = 0;
  std::int64_t hits = 0, seen = 0;
  while (batches.next(images, labels)) {
    const auto n = static_cast<std::int64_t>(labels.size());
    s.net.forward(s.ctx, images, n, false);
    loss_sum += s.net.loss(s.ctx, labels, 1.0, false) * static_cast<double>(n);
    hits += s.net.correct(s.ctx, labels);
    seen += n;
  }
  s.ctx.set_recording(true);
  m.test_loss = seen ? loss_sum / static_cast<double>(seen) : 0.0;
  m.test_accuracy = seen ? static_cast<double>(hits) / static_cast<double>(seen) : 0.0;
  m.eval_seconds = seconds_since(start);
}

void accumulate_tensor_stats(const StepObservation& o, std::vector<TensorEpochStats>& stats, EpochMetrics& m) {
  stats.resize(o.tensors.size());
  for (std::size_t i = 0; i < o.tensors.size(); ++i) {
    const TensorObservation& t = o.tensors[i];
    TensorEpochStats& s = stats[i];
    s.elements += t.elements;
    s.overflow += t.overflow;
    s.underflow += t.underflow_to_zero;
    s.amax = (std::isnan(t.amax) || std::isnan(s.amax)) ? NAN : std::max(s.amax, t.amax);
    m.overflow += t.overflow;
    m.underflow += t.underflow_to_zero;
  }
}

}  // namespace

TrainResult train(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend,
                  const TrainOptions& options) {
  // Eigen allocates its GEMM workspace per call; above glibc's mmap threshold every call would map
  // and fault in fresh pages (a tenth of a LeNet-5 step). Keep such blocks on the heap.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  Session s(config, data.train, backend);
  RunState state;
  const std::string checkpoint_path = options.out_dir.empty() ? "" : options.out_dir + "/checkpoint.bin";
  if (options.resume) {
    const Checkpoint c = read_checkpoint(checkpoint_path);
    s.restore(c);
    state = c.state;
  } else if (const std::string pretrained = s.policy->pretrain_checkpoint().string(); !pretrained.empty()) {
    s.load_pretrained(read_checkpoint(pretrained), pretrained);
  }
  if (!options.out_dir.empty()) std::filesystem::create_directories(options.out_dir);
  TrainResult result;
  result.memory = memory_metric(s.ctx.registry(), s.policy_initial);
  {
    PolicyConfig mixed16;
    mixed16.params = Mixed16Params{};
    result.mixed16_bits = memory_metric(s.ctx.registry(), make_policy(mixed16)->initial(s.ctx.registry())).bits;
  }
  Progress progress(options.log, options.progress_bar, config.epochs, s.steps_per_epoch);
  data::BatchIterator batches(data.train, config.batch, config.seed, config.dataset.augment,
                              config.dataset.crop_padding);
  std::vector<float> images;
  std::vector<std::int32_t> labels;
  int epochs_this_call = 0;

  for (int epoch = state.epochs_done; epoch < config.epochs && state.status != "diverged"; ++epoch) {
    // continuous16 (Yun): after the fp32 pre-training epochs the policy's 16-bit assignment takes over.
    if (epoch == s.policy->pretrain_epochs() && epoch > 0) s.ctx.set_assignment(s.policy_initial);
    EpochMetrics m;
    m.epoch = epoch + 1;
    std::vector<TensorEpochStats> tensor_stats;
    MemoryMetricMean memory;
    const std::int64_t changes_before = s.scaler.scale_changes(), skipped_before = s.scaler.skipped_steps();
    double loss_sum = 0;
    std::int64_t hits = 0, seen = 0, step_in_epoch = 0;
    const auto start = Clock::now();
    batches.start_epoch(epoch);
    progress.start_epoch(epoch);

    while (batches.next(images, labels)) {                              // next batch
      if (options.interrupted && options.interrupted()) {
        progress.interrupted();
        throw Interrupted(state.epochs_done);
      }
      const auto n = static_cast<std::int64_t>(labels.size());
      s.ctx.begin_step(state.step, epoch);
      s.ctx.backend().traffic().clear();  // one step's records: nothing reads older ones, and they would pile up
      s.net.refresh_weights(s.ctx);                                     // θ = Q(master)
      s.net.forward(s.ctx, images, n, true);                            // forward: v = Q(layer(x))
      const double scale = s.scaler.scale();
      const double loss = s.net.loss(s.ctx, labels, scale, true);       // loss, backward: dv, dθ rounded while scaled
      if (!std::isfinite(loss) || loss > config.divergence_threshold) { // divergence ends the run, not a crash
        state.status = "diverged";
        state.divergence_reason = fmt::format("loss {} at epoch {} step {}", loss, epoch + 1, step_in_epoch + 1);
        break;
      }
      m.lr = nn::learning_rate(config.optimizer, config.schedule, epoch, step_in_epoch, s.steps_per_epoch, config.epochs);
      if (s.scaler.update(!gradients_finite(s.ctx, s.net))) {           // Inf/NaN: skip the step, back off
        const nn::UpdateStats u = s.optimizer.step(s.ctx, s.net.params(), m.lr, 1.0 / scale, state.optimizer_steps++);
        m.lost_updates += u.lost_updates;                               // update on unscaled gradients
        m.zero_denominators += u.zero_denominators;
      }
      for (const Promotion& p : s.policy->after_step(s.ctx.registry(), s.ctx.observation(), s.ctx.assignment()))
        state.promotions.push_back({p.step, epoch + 1, s.ctx.registry().tensor(p.tensor).name, format_name(p.from),
                                    format_name(p.to), p.overflow_fraction});
      memory.add(memory_metric(s.ctx.registry(), s.ctx.assignment()));
      accumulate_tensor_stats(s.ctx.observation(), tensor_stats, m);
      loss_sum += loss * static_cast<double>(n);
      hits += s.net.correct(s.ctx, labels);
      seen += n;
      ++state.step, ++step_in_epoch;
      progress.step(step_in_epoch, loss_sum / static_cast<double>(seen), static_cast<double>(hits) / static_cast<double>(seen));
    }

    m.train_seconds = seconds_since(start);
    m.steps = step_in_epoch;
    m.train_loss = seen ? loss_sum / static_cast<double>(seen) : 0.0;
    m.train_accuracy = seen ? static_cast<double>(hits) / static_cast<double>(seen) : 0.0;
    m.skipped_steps = s.scaler.skipped_steps() - skipped_before;
    m.scale_changes = s.scaler.scale_changes() - changes_before;
    m.loss_scale = s.scaler.scale();
    for (const auto& p : state.promotions) m.promotions += p.epoch == epoch + 1 ? 1 : 0;
    m.memory_bits = memory.mean_bits();
    m.low_precision_ratio = memory.mean_low_precision_ratio();
    if (state.status != "diverged") evaluate(s, data.test, m);
    state.epochs.push_back(m);
    state.tensor_stats.push_back(std::move(tensor_stats));
    state.epochs_done = epoch + 1;
    if (state.status != "diverged" && state.epochs_done == config.epochs) state.status = "completed";
    progress.end_epoch(m, state.status);
    if (!options.out_dir.empty()) {
      write_outputs(options.out_dir, config, s.ctx.registry(), s.ctx.assignment(), state, result.memory, result.mixed16_bits);
      write_checkpoint(checkpoint_path, s.checkpoint(state));
    }
    if (options.stop_after_epochs > 0 && ++epochs_this_call >= options.stop_after_epochs) break;
  }

  result.state = state;
  for (const nn::Param& p : s.net.params()) {
    const auto v = backend.to_host(p.master);
    result.final_master.insert(result.final_master.end(), v.begin(), v.end());
  }
  for (const auto& t : s.ctx.registry().tensors()) result.tensor_names.push_back(t.name);
  return result;
}

std::string explain_assignment(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend) {
  Session s(config, data.train, backend);
  return s.policy->explain(s.ctx.registry(), s.policy_initial);
}

Workload step_workload(const TrainConfig& config, const data::DatasetSplit& data, kernels::Backend& backend) {
  Session s(config, data.train, backend);
  s.ctx.set_assignment(s.policy_initial);
  return s.net.workload(s.ctx, config.batch);
}

}  // namespace mpsim::host::train
