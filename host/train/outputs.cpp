#include "host/train/outputs.hpp"

#include <fmt/core.h>

#include "model/atomic_file.hpp"
#include "model/format_names.hpp"

namespace mpsim::host::train {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out + "\"";
}

// JSON has no NaN/Inf: write null.
std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.9g}", v) : "null"; }

std::string metrics_csv(const RunState& state) {
  std::string s =
      "epoch,lr,train_loss,train_accuracy,test_loss,test_accuracy,steps,skipped_steps,loss_scale,scale_changes,"
      "promotions,overflow,underflow,lost_updates,zero_denominators,memory_bits,low_precision_ratio,train_seconds,"
      "eval_seconds\n";
  for (const EpochMetrics& m : state.epochs)
    s += fmt::format("{},{:.9g},{:.9g},{:.6f},{:.9g},{:.6f},{},{},{:g},{},{},{},{},{},{},{:.0f},{:.6f},{:.3f},{:.3f}\n",
                     m.epoch, m.lr, m.train_loss, m.train_accuracy, m.test_loss, m.test_accuracy, m.steps,
                     m.skipped_steps, m.loss_scale, m.scale_changes, m.promotions, m.overflow, m.underflow,
                     m.lost_updates, m.zero_denominators, m.memory_bits, m.low_precision_ratio, m.train_seconds,
                     m.eval_seconds);
  return s;
}

std::string tensors_csv(const TensorRegistry& registry, const Assignment& assignment, const RunState& state) {
  std::string s = "epoch,tensor,layer,role,numel,format,elements_rounded,overflow,underflow,amax\n";
  for (std::size_t e = 0; e < state.tensor_stats.size(); ++e) {
    const auto& stats = state.tensor_stats[e];
    for (const TensorInfo& t : registry.tensors()) {
      const auto i = static_cast<std::size_t>(t.id);
      const TensorEpochStats st = i < stats.size() ? stats[i] : TensorEpochStats{};
      const TensorPrecision& p = assignment[t.id];
      s += fmt::format("{},{},{},{},{},{},{},{},{},{:.9g}\n", e + 1, t.name, registry.layer(t.layer).name,
                       role_name(t.role), t.numel, p.keep_fp32 ? "fp32" : format_name(p.format), st.elements,
                       st.overflow, st.underflow, st.amax);
    }
  }
  return s;
}

}  // namespace

void write_outputs(const std::string& dir, const TrainConfig& config, const TensorRegistry& registry,
                   const Assignment& assignment, const RunState& state, const MemoryMetric& memory,
                   std::int64_t mixed16_bits) {
  write_file_atomically(dir + "/metrics.csv", metrics_csv(state));
  write_file_atomically(dir + "/tensors.csv", tensors_csv(registry, assignment, state));
  const EpochMetrics last = state.epochs.empty() ? EpochMetrics{} : state.epochs.back();
  std::string promotions = "[";
  for (const auto& p : state.promotions)
    promotions += fmt::format("{}{{\"step\":{},\"epoch\":{},\"tensor\":{},\"from\":{},\"to\":{},\"overflow_fraction\":{}}}",
                              promotions.size() > 1 ? "," : "", p.step, p.epoch, json_string(p.tensor),
                              json_string(p.from), json_string(p.to), json_number(p.overflow_fraction));
  promotions += "]";
  double best = 0;
  for (const auto& m : state.epochs) best = std::max(best, m.test_accuracy);
  std::string json = "{\n";
  json += fmt::format("  \"config\": {},\n  \"model\": {},\n  \"width\": {},\n  \"dataset\": {},\n  \"policy\": {},\n",
                      json_string(config.file), json_string(config.model), json_number(config.width),
                      json_string(config.dataset.name), json_string(config.policy_name));
  json += fmt::format("  \"epochs\": {},\n  \"batch\": {},\n  \"seed\": {},\n  \"status\": {},\n", config.epochs,
                      config.batch, config.seed, json_string(state.status));
  if (!state.divergence_reason.empty()) json += fmt::format("  \"divergence\": {},\n", json_string(state.divergence_reason));
  json += fmt::format("  \"epochs_done\": {},\n  \"steps\": {},\n  \"final_train_loss\": {},\n", state.epochs_done,
                      state.step, json_number(last.train_loss));
  json += fmt::format("  \"final_train_accuracy\": {},\n  \"final_test_accuracy\": {},\n  \"best_test_accuracy\": {},\n",
                      json_number(last.train_accuracy), json_number(last.test_accuracy), json_number(best));
  json += fmt::format(
      "  \"memory\": {{\"bits\": {}, \"bits_fp32\": {}, \"bits_mixed16\": {}, \"elements\": {}, \"low_elements\": {}, "
      "\"low_precision_ratio\": {}, \"reduction_vs_fp32\": {}, \"reduction_vs_mixed16\": {}, "
      "\"mean_bits_last_epoch\": {}, \"mean_low_precision_ratio_last_epoch\": {}}},\n",
      memory.bits, memory.bits_fp32, mixed16_bits, memory.elements, memory.low_elements,
      json_number(memory.low_precision_ratio()), json_number(memory.reduction_vs(memory.bits_fp32)),
      json_number(memory.reduction_vs(mixed16_bits)), json_number(last.memory_bits),
      json_number(last.low_precision_ratio));
  json += fmt::format("  \"loss_scale\": {},\n  \"skipped_steps\": {},\n  \"promotions\": {}\n}}\n",
                      json_number(last.loss_scale), [&] {
                        std::int64_t k = 0;
                        for (const auto& m : state.epochs) k += m.skipped_steps;
                        return k;
                      }(),
                      promotions);
  write_file_atomically(dir + "/summary.json", json);
}

}  // namespace mpsim::host::train
