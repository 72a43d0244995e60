#include "host/experiment/experiment_runner.hpp"

#include <omp.h>

#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "host/data/dataset.hpp"
#include "host/train/trainer.hpp"
#include "kernels/backend.hpp"
#include "model/atomic_file.hpp"
#include "sim/simulator.hpp"

namespace mpsim::host {
namespace {

namespace fs = std::filesystem;

// FNV-1a, 64 bits (Fowler, Noll, Vo): a stable, dependency-free content hash; collisions only
// cost a needless re-run, never a wrong reuse across different keys of the same label.
std::uint64_t fnv1a64(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Loaded datasets, by everything that determines their contents.
class DatasetCache {
 public:
  const data::DatasetSplit& get(const data::DatasetConfig& c) {
    const std::string key = fmt::format("{}|{}|{}|{}|{}|{}", c.name, c.path, c.train_subset, c.test_subset, c.seed,
                                        c.augment);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, data::load_dataset(c)).first;
    return it->second;
  }

 private:
  std::map<std::string, data::DatasetSplit> cache_;
};

HwPointResult simulate_point(const Workload& workload, const sim::HwConfig& hw, const sim::EnergyTable& energy,
                             const ExperimentConfig& config, std::int64_t batch) {
  sim::SimOptions options;
  if (config.timing_set) options.timing = config.timing;
  const sim::SimResult r = sim::simulate(workload, hw, energy, options);
  HwPointResult h;
  h.hw = hw.name;
  h.cycles = r.step.total_cycles;
  h.compute_cycles = r.step.compute_cycles;
  h.stall_memory_cycles = r.step.stall_memory_cycles;
  h.stall_fill_drain_cycles = r.step.stall_fill_drain_cycles;
  h.time_s = r.step.time_s;
  h.images_per_s = r.step.time_s > 0 ? static_cast<double>(batch) / r.step.time_s : 0.0;
  h.pe_utilization = r.step.pe_utilization;
  h.dram_read_bytes = r.step.dram_read_bytes;
  h.dram_write_bytes = r.step.dram_write_bytes;
  for (const sim::SramTraffic* s : {&r.step.sram_a, &r.step.sram_b, &r.step.sram_c})
    h.sram_bytes += s->read_bytes + s->write_bytes;
  h.mac_pj = r.step.energy.mac_pj;
  h.sram_pj = r.step.energy.sram_pj;
  h.dram_pj = r.step.energy.dram_pj;
  h.static_pj = r.step.energy.static_pj;
  // DRAM bytes per (layer, role), in the order layers first appear in the step.
  for (const sim::OpStats& op : r.ops) {
    for (const sim::DramTraffic& d : op.dram) {
      const std::string role = role_name(d.role);
      auto it = std::find_if(h.per_layer.begin(), h.per_layer.end(),
                             [&](const LayerRoleTraffic& t) { return t.layer == op.layer && t.role == role; });
      if (it == h.per_layer.end()) it = h.per_layer.insert(h.per_layer.end(), LayerRoleTraffic{op.layer, role, 0, 0});
      it->read_bytes += d.read_bytes;
      it->write_bytes += d.write_bytes;
    }
  }
  return h;
}

PointResult summarise_training(const train::TrainResult& r, const TrainConfig& t) {
  PointResult p;
  p.policy = t.policy_name;
  p.status = r.state.status;
  if (!r.state.epochs.empty()) {
    const train::EpochMetrics& last = r.state.epochs.back();
    p.test_accuracy = last.test_accuracy;
    p.train_accuracy = last.train_accuracy;
    p.final_loss = last.train_loss;
  }
  for (const train::EpochMetrics& e : r.state.epochs) {
    p.overflow_events += e.overflow;
    p.underflow_events += e.underflow;
    p.promotions += e.promotions;
    p.skipped_steps += e.skipped_steps;
    p.scale_changes += e.scale_changes;
    p.train_seconds += e.train_seconds + e.eval_seconds;
    p.curve.push_back({e.epoch, e.train_loss, e.train_accuracy, e.test_loss, e.test_accuracy, e.loss_scale});
  }
  p.memory_bits = r.memory.bits;
  p.memory_bits_fp32 = r.memory.bits_fp32;
  p.memory_bits_mixed16 = r.mixed16_bits;
  p.low_precision_ratio = r.memory.low_precision_ratio();
  p.batch = t.batch;
  return p;
}

std::string point_line(const PointResult& p, std::size_t total) {
  std::string line = fmt::format("[{}/{}] {} seed {}: {} test acc {:.2f}%, memory {:.2f}x less than fp32", p.index + 1,
                                 total, p.label, p.seed, p.status, 100 * p.test_accuracy, p.memory_reduction_vs_fp32());
  for (const HwPointResult& h : p.hw)
    line += fmt::format("; {} {:.3g} ms/step {:.3g} uJ/image", h.hw, 1e3 * h.time_s,
                        h.total_pj() * 1e-6 / static_cast<double>(p.batch));
  return line;
}

}  // namespace

std::string point_key(const ExperimentAssignment& assignment, std::uint64_t seed, const std::string& backend) {
  YAML::Emitter yaml;
  yaml << assignment.train_yaml;
  const std::string text = fmt::format("mpsim {}\n{}\nseed={}\nbackend={}\n", MPSIM_VERSION, yaml.c_str(), seed, backend);
  return fmt::format("{:016x}", fnv1a64(text));
}

std::string point_dir(const std::string& out, const ExperimentAssignment& assignment, std::uint64_t seed) {
  return fmt::format("{}/points/{}-seed{}", out, assignment.label, seed);
}

std::vector<PointResult> run_experiment_points(const ExperimentConfig& config, const MpiContext& mpi,
                                               const ExperimentRunOptions& options) {
  const std::size_t total = config.assignments.size() * config.seeds.size();
  std::vector<PointResult> mine;
  DatasetCache datasets;
  std::unique_ptr<kernels::Backend> backend;
  std::map<std::string, sim::EnergyTable> energy_tables;

  std::size_t index = 0;
  // One flushed line per finished point (into a file or pipe too), with the time left for this
  // rank from the mean time of its points so far (cached ones included).
  std::size_t owned = 0, finished = 0;
  for (std::size_t i = 0; i < total; ++i) owned += mpi.owns(i) ? 1 : 0;
  const auto start = std::chrono::steady_clock::now();
  const auto log_point = [&](const PointResult& p, const char* note) {
    ++finished;
    if (!options.log) return;
    std::string eta;
    if (finished < owned) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto left = static_cast<long>(elapsed / static_cast<double>(finished) * static_cast<double>(owned - finished));
      eta = fmt::format(" (ETA {}m{:02}s)", left / 60, left % 60);
    }
    fmt::print(options.log, "{}{}{}\n", point_line(p, total), note, eta);
    std::fflush(options.log);
  };
  for (const ExperimentAssignment& assignment : config.assignments) {
    for (std::uint64_t seed : config.seeds) {
      const std::size_t this_index = index++;
      if (!mpi.owns(this_index)) continue;
      if (options.interrupted && options.interrupted()) throw ExperimentInterrupted(finished, owned);
      const TrainConfig train_config = point_train_config(assignment, seed);
      const std::string dir = point_dir(config.out, assignment, seed);
      const std::string key = point_key(assignment, seed, config.backend);

      // Cached: the finished result of exactly this point. A different key (the config changed)
      // or --force starts the point afresh; the same key without a result resumes it.
      const std::string old_key = fs::exists(dir + "/key") ? read_text(dir + "/key") : "";
      if (!options.force && old_key == key && fs::exists(dir + "/point.json")) {
        PointResult cached = point_from_json(nlohmann::json::parse(read_text(dir + "/point.json")));
        cached.index = this_index;
        log_point(cached, " (cached)");
        mine.push_back(std::move(cached));
        continue;
      }
      if (fs::exists(dir) && (old_key != key || options.force)) fs::remove_all(dir);
      fs::create_directories(dir + "/train");
      // This rank alone works on this point: whatever temporaries are here, a killed run left.
      remove_stale_temp_files(dir);
      remove_stale_temp_files(dir + "/train");
      write_file_atomically(dir + "/key", key);

      if (!backend) {
        const int threads = config.threads > 0 ? config.threads : omp_get_num_procs();
        omp_set_num_threads(threads);
        backend = kernels::make_backend(kernels::parse_device(config.backend), threads);
      }
      const data::DatasetSplit& data = datasets.get(train_config.dataset);
      train::TrainOptions train_options;
      train_options.out_dir = dir + "/train";
      // An interrupted point continues from its last epoch's checkpoint.
      train_options.resume = fs::exists(dir + "/train/checkpoint.bin");
      train_options.progress_bar = options.progress_bar;
      train_options.log = options.progress_bar ? options.log : nullptr;
      train_options.interrupted = options.interrupted;
      train::TrainResult trained;
      try {
        trained = train::train(train_config, data, *backend, train_options);
      } catch (const train::Interrupted&) {
        throw ExperimentInterrupted(finished, owned);
      }

      PointResult p = summarise_training(trained, train_config);
      p.index = this_index;
      p.label = assignment.label;
      p.seed = seed;
      p.key = key;
      const Workload workload = train::step_workload(train_config, data, *backend);
      write_workload_file(dir + "/workload.jsonl", workload);
      p.gemms_per_step = static_cast<std::int64_t>(workload.ops.size());
      p.macs_per_step = workload.macs();
      for (const sim::HwConfig& hw : config.hw) {
        const std::string energy_path =
            hw.energy_table_path.empty() ? options.default_energy_table : hw.energy_table_path;
        auto it = energy_tables.find(energy_path);
        if (it == energy_tables.end()) it = energy_tables.emplace(energy_path, sim::load_energy_table(energy_path)).first;
        p.hw.push_back(simulate_point(workload, hw, it->second, config, train_config.batch));
      }
      write_file_atomically(dir + "/point.json", point_to_json(p).dump(1) + "\n");
      log_point(p, "");
      mine.push_back(std::move(p));
    }
  }
  return mine;
}

}  // namespace mpsim::host
