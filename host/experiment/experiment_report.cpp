#include "host/experiment/experiment_report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "host/experiment/experiment_runner.hpp"
#include "host/report/gnuplot_figure.hpp"
#include "host/report/pareto.hpp"
#include "model/atomic_file.hpp"

namespace mpsim::host {
namespace {

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}
// Sample standard deviation (n - 1); 0 for a single seed.
double spread(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// CSV fields: quoted only when they contain a separator, quote or newline (RFC 4180).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

const std::vector<std::string> kResultColumns = {
    "assignment", "policy", "hw", "seeds", "test_accuracy_mean", "test_accuracy_sd", "final_loss_mean",
    "diverged_runs", "overflow_events_mean", "promotions_mean", "memory_bits", "memory_reduction_vs_fp32",
    "memory_reduction_vs_mixed16", "low_precision_ratio", "dram_read_bytes_per_step", "dram_write_bytes_per_step",
    "sram_bytes_per_step", "cycles_per_step", "time_per_step_s", "images_per_s", "energy_mac_uj_per_step",
    "energy_sram_uj_per_step", "energy_dram_uj_per_step", "energy_static_uj_per_step", "energy_uj_per_step",
    "energy_uj_per_image"};

std::vector<std::string> row_values(const ResultRow& r) {
  const auto g = [](double v) { return fmt::format("{:.9g}", v); };
  return {r.assignment, r.policy, r.hw, std::to_string(r.seeds), g(r.test_accuracy_mean), g(r.test_accuracy_sd),
          g(r.final_loss_mean), std::to_string(r.diverged_runs), g(r.overflow_events_mean), g(r.promotions_mean),
          g(r.memory_bits), g(r.memory_reduction_vs_fp32), g(r.memory_reduction_vs_mixed16),
          g(r.low_precision_ratio), g(r.dram_read_bytes), g(r.dram_write_bytes), g(r.sram_bytes), g(r.cycles),
          g(r.time_s), g(r.images_per_s), g(r.energy_mac_uj), g(r.energy_sram_uj), g(r.energy_dram_uj),
          g(r.energy_static_uj), g(r.energy_uj), g(r.energy_per_image_uj)};
}

std::string per_layer_csv(const std::vector<PointResult>& points) {
  std::string s = "assignment,seed,hw,layer,role,dram_read_bytes,dram_write_bytes\n";
  for (const PointResult& p : points)
    for (const HwPointResult& h : p.hw)
      for (const LayerRoleTraffic& t : h.per_layer)
        s += fmt::format("{},{},{},{},{},{},{}\n", csv_field(p.label), p.seed, csv_field(h.hw), csv_field(t.layer),
                         t.role, t.read_bytes, t.write_bytes);
  return s;
}

std::string curves_csv(const std::vector<PointResult>& points) {
  std::string s = "assignment,seed,epoch,train_loss,train_accuracy,test_loss,test_accuracy,loss_scale\n";
  for (const PointResult& p : points)
    for (const EpochCurve& c : p.curve)
      s += fmt::format("{},{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g}\n", csv_field(p.label), p.seed, c.epoch,
                       c.train_loss, c.train_accuracy, c.test_loss, c.test_accuracy, c.loss_scale);
  return s;
}

// --- plots -----------------------------------------------------------------------------------

struct Plot {
  std::string file, caption;
};

std::vector<std::size_t> pareto_rows(const std::vector<ResultRow>& first_hw_rows) {
  std::vector<ParetoPoint> pts;
  for (const ResultRow& r : first_hw_rows) pts.push_back({r.memory_reduction_vs_fp32, 100 * r.test_accuracy_mean});
  return pareto_front(pts);
}

std::vector<Plot> render_plots(const ExperimentConfig& config, const std::vector<ResultRow>& rows,
                               const std::vector<PointResult>& points, std::vector<std::string>& warnings,
                               const std::function<bool()>& interrupted) {
  const std::string dir = config.out + "/plots";
  std::filesystem::create_directories(dir);
  remove_stale_temp_files(dir);  // a killed run's; the caller holds the output directory's lock
  std::vector<Plot> plots;
  const auto render = [&](const auto& figure, const std::string& name, const std::string& caption) {
    if (interrupted && interrupted()) throw ExperimentInterrupted(points.size(), points.size());
    try {
      render_figure(figure, dir + "/" + name);
      plots.push_back({"plots/" + name, caption});
    } catch (const FileWriteError&) {
      throw;  // a full disk or an unwritable directory ends the run; a missing gnuplot does not
    } catch (const std::exception& e) {
      warnings.push_back(e.what());
    }
  };
  const std::string first_hw = config.hw.front().name;
  std::vector<ResultRow> first;
  for (const ResultRow& r : rows)
    if (r.hw == first_hw) first.push_back(r);
  const std::vector<std::size_t> front = pareto_rows(first);

  // 1. Accuracy vs memory reduction, the Pareto front as a line through its points.
  XyFigure memory{"Test accuracy vs memory reduction (Lee et al.'s metric)", "memory reduction vs all-fp32 (x)",
                  "test accuracy (%)", {}, false};
  PlotSeries all{"assignments", {}, PlotSeries::Style::points, {}};
  for (const ResultRow& r : first) {
    all.points.emplace_back(r.memory_reduction_vs_fp32, 100 * r.test_accuracy_mean);
    all.point_labels.push_back(r.assignment);
  }
  PlotSeries line{"Pareto front", {}, PlotSeries::Style::lines, {}};
  for (std::size_t i : front) line.points.emplace_back(first[i].memory_reduction_vs_fp32, 100 * first[i].test_accuracy_mean);
  memory.series = {all, line};
  render(memory, "accuracy_vs_memory.png", "Test accuracy against memory reduction; the line joins the Pareto front.");

  // 2. Accuracy vs energy per image, one series per hw config.
  XyFigure energy{"Test accuracy vs energy per training image", "energy per image (uJ)", "test accuracy (%)", {}, true};
  for (const sim::HwConfig& hw : config.hw) {
    PlotSeries s{hw.name, {}, PlotSeries::Style::points, {}};
    for (const ResultRow& r : rows)
      if (r.hw == hw.name) {
        s.points.emplace_back(r.energy_per_image_uj, 100 * r.test_accuracy_mean);
        s.point_labels.push_back(r.assignment);
      }
    energy.series.push_back(s);
  }
  render(energy, "accuracy_vs_energy.png", "Test accuracy against energy per training image on each hw config.");

  // 3. Per-layer DRAM traffic by role: fp32-like first assignment and the Pareto front's
  // members (up to three), on the first hw config, first seed.
  std::vector<std::string> chosen = {first.front().assignment};
  for (auto it = front.rbegin(); it != front.rend() && chosen.size() < 4; ++it)
    if (std::find(chosen.begin(), chosen.end(), first[*it].assignment) == chosen.end())
      chosen.push_back(first[*it].assignment);
  for (const std::string& label : chosen) {
    const auto p = std::find_if(points.begin(), points.end(), [&](const PointResult& q) { return q.label == label; });
    if (p == points.end() || p->hw.empty()) continue;
    StackedBarFigure bars{"DRAM bytes per step by layer and tensor role: " + label + " on " + first_hw, "MB", {}, {}, {}};
    for (const LayerRoleTraffic& t : p->hw.front().per_layer) {
      if (std::find(bars.categories.begin(), bars.categories.end(), t.layer) == bars.categories.end())
        bars.categories.push_back(t.layer);
      if (std::find(bars.parts.begin(), bars.parts.end(), t.role) == bars.parts.end()) bars.parts.push_back(t.role);
    }
    bars.values.assign(bars.categories.size(), std::vector<double>(bars.parts.size(), 0.0));
    for (const LayerRoleTraffic& t : p->hw.front().per_layer) {
      const auto c = std::find(bars.categories.begin(), bars.categories.end(), t.layer) - bars.categories.begin();
      const auto r = std::find(bars.parts.begin(), bars.parts.end(), t.role) - bars.parts.begin();
      bars.values[static_cast<std::size_t>(c)][static_cast<std::size_t>(r)] +=
          static_cast<double>(t.read_bytes + t.write_bytes) / 1e6;
    }
    render(bars, "dram_by_layer_" + label + ".png", "DRAM traffic per training step by layer and tensor role, " + label + ".");
  }

  // 4. Training curves, first seed of each assignment.
  XyFigure loss{"Training loss per epoch", "epoch", "mean training loss", {}, false};
  XyFigure accuracy{"Test accuracy per epoch", "epoch", "test accuracy (%)", {}, false};
  for (const ExperimentAssignment& a : config.assignments) {
    const auto p = std::find_if(points.begin(), points.end(), [&](const PointResult& q) { return q.label == a.label; });
    if (p == points.end()) continue;
    PlotSeries l{a.label, {}, PlotSeries::Style::linespoints, {}}, t{a.label, {}, PlotSeries::Style::linespoints, {}};
    for (const EpochCurve& c : p->curve) {
      if (std::isfinite(c.train_loss)) l.points.emplace_back(c.epoch, c.train_loss);
      t.points.emplace_back(c.epoch, 100 * c.test_accuracy);
    }
    loss.series.push_back(l);
    accuracy.series.push_back(t);
  }
  render(loss, "training_loss.png", "Mean training loss per epoch (first seed).");
  render(accuracy, "test_accuracy.png", "Test accuracy per epoch (first seed).");

  // 5. Energy split per hw config and assignment.
  StackedBarFigure split{"Energy per training image by component", "uJ per image", {}, {"MAC", "SRAM", "DRAM", "static"}, {}};
  for (const ResultRow& r : rows) {
    split.categories.push_back(r.hw + " / " + r.assignment);
    const double per_image = r.energy_uj > 0 ? r.energy_per_image_uj / r.energy_uj : 0.0;
    split.values.push_back({r.energy_mac_uj * per_image, r.energy_sram_uj * per_image, r.energy_dram_uj * per_image,
                            r.energy_static_uj * per_image});
  }
  render(split, "energy_split.png", "Energy per training image split into MAC, SRAM, DRAM and static, per hw config.");
  return plots;
}

// --- report.md ---------------------------------------------------------------------------------

std::string report_markdown(const ExperimentConfig& config, const std::vector<ResultRow>& rows,
                            const std::vector<PointResult>& points, const std::vector<Plot>& plots,
                            const std::vector<std::string>& warnings) {
  std::string s = fmt::format("# Experiment `{}`\n\n", config.name);
  const TrainConfig& t = config.assignments.front().train;
  s += fmt::format(
      "{} x{:g} on {}, {} epochs, batch {}, {} seed(s); {} assignments; hw configs: {}. Every number below is from "
      "this run (`mpsim run {}`); accuracies are final-epoch test accuracies, memory is Lee et al.'s metric "
      "(bits of weights, activations, activation gradients and weight gradients at batch {}), time and energy are "
      "for one training step simulated by sim/.\n\n",
      t.model, t.width, t.dataset.name, t.epochs, t.batch, config.seeds.size(), config.assignments.size(),
      [&] {
        std::string h;
        for (const auto& hw : config.hw) h += (h.empty() ? "" : ", ") + hw.name;
        return h;
      }(),
      config.file, t.batch);

  s += "| assignment | hw | test acc. (%) | diverged | memory vs fp32 | low-prec. ratio | DRAM MB/step | time/step (ms) "
       "| images/s | energy/image (uJ) |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const ResultRow& r : rows) {
    const std::string acc = r.seeds > 1 ? fmt::format("{:.2f} ± {:.2f}", 100 * r.test_accuracy_mean, 100 * r.test_accuracy_sd)
                                        : fmt::format("{:.2f}", 100 * r.test_accuracy_mean);
    s += fmt::format("| {} | {} | {} | {}/{} | {:.2f}x | {:.3f} | {:.3f} | {:.3f} | {:.0f} | {:.2f} |\n", r.assignment,
                     r.hw, acc, r.diverged_runs, r.seeds, r.memory_reduction_vs_fp32, r.low_precision_ratio,
                     (r.dram_read_bytes + r.dram_write_bytes) / 1e6, 1e3 * r.time_s, r.images_per_s,
                     r.energy_per_image_uj);
  }

  // In words: the best accuracy, the largest reduction within half a point of it, the cheapest
  // energy, and what diverged.
  const std::string first_hw = config.hw.front().name;
  const ResultRow* best = nullptr;
  for (const ResultRow& r : rows)
    if (r.hw == first_hw && (!best || r.test_accuracy_mean > best->test_accuracy_mean)) best = &r;
  s += "\n## What the table says\n\n";
  if (best) {
    s += fmt::format("- Highest test accuracy: **{}** at {:.2f}%.\n", best->assignment, 100 * best->test_accuracy_mean);
    const ResultRow* leanest = nullptr;
    for (const ResultRow& r : rows)
      if (r.hw == first_hw && r.test_accuracy_mean >= best->test_accuracy_mean - 0.005 &&
          (!leanest || r.memory_reduction_vs_fp32 > leanest->memory_reduction_vs_fp32))
        leanest = &r;
    if (leanest)
      s += fmt::format("- Largest memory reduction within 0.5 points of it: **{}**, {:.2f}x less than fp32 ({:.2f}x less "
                       "than mixed16) at {:.2f}%.\n",
                       leanest->assignment, leanest->memory_reduction_vs_fp32, leanest->memory_reduction_vs_mixed16,
                       100 * leanest->test_accuracy_mean);
  }
  for (const sim::HwConfig& hw : config.hw) {
    const ResultRow* cheapest = nullptr;
    const ResultRow* fastest = nullptr;
    for (const ResultRow& r : rows) {
      if (r.hw != hw.name) continue;
      if (!cheapest || r.energy_per_image_uj < cheapest->energy_per_image_uj) cheapest = &r;
      if (!fastest || r.time_s < fastest->time_s) fastest = &r;
    }
    if (cheapest && fastest)
      s += fmt::format("- On {}: least energy per image with **{}** ({:.2f} uJ), fastest step with **{}** ({:.3f} ms, "
                       "{:.0f} images/s).\n",
                       hw.name, cheapest->assignment, cheapest->energy_per_image_uj, fastest->assignment,
                       1e3 * fastest->time_s, fastest->images_per_s);
  }
  int diverged = 0;
  for (const PointResult& p : points) diverged += p.diverged() ? 1 : 0;
  s += diverged ? fmt::format("- {} of {} runs diverged (see results.json for which).\n", diverged, points.size())
                : fmt::format("- No run diverged ({} runs).\n", points.size());

  s += "\n## Plots\n\n";
  for (const Plot& p : plots) s += fmt::format("{}\n\n![{}]({})\n\n", p.caption, p.caption, p.file);
  for (const std::string& w : warnings) s += fmt::format("- plot not drawn: {}\n", w);
  s += "\nFiles: `results.csv` / `results.json` (this table, all columns), `per_layer.csv` (DRAM bytes by layer and "
       "role), `curves.csv` (per-epoch metrics), `points/*/` (each run's training outputs and workload).\n";
  return s;
}

}  // namespace

std::vector<ResultRow> result_rows(const ExperimentConfig& config, const std::vector<PointResult>& points) {
  std::vector<ResultRow> rows;
  for (const ExperimentAssignment& a : config.assignments) {
    for (std::size_t h = 0; h < config.hw.size(); ++h) {
      ResultRow r;
      r.assignment = a.label;
      r.hw = config.hw[h].name;
      std::vector<double> acc, loss, overflow, promotions;
      std::vector<const PointResult*> mine;
      for (const PointResult& p : points)
        if (p.label == a.label && h < p.hw.size()) mine.push_back(&p);
      if (mine.empty()) continue;
      for (const PointResult* p : mine) {
        acc.push_back(p->test_accuracy);
        loss.push_back(p->final_loss);
        overflow.push_back(static_cast<double>(p->overflow_events));
        promotions.push_back(static_cast<double>(p->promotions));
        r.diverged_runs += p->diverged() ? 1 : 0;
      }
      const PointResult& p0 = *mine.front();
      const auto hw_mean = [&](auto field) {
        std::vector<double> v;
        for (const PointResult* p : mine) v.push_back(static_cast<double>(field(p->hw[h])));
        return mean(v);
      };
      r.policy = p0.policy;
      r.seeds = static_cast<int>(mine.size());
      r.test_accuracy_mean = mean(acc);
      r.test_accuracy_sd = spread(acc);
      r.final_loss_mean = mean(loss);
      r.overflow_events_mean = mean(overflow);
      r.promotions_mean = mean(promotions);
      r.memory_bits = static_cast<double>(p0.memory_bits);
      r.memory_reduction_vs_fp32 = p0.memory_reduction_vs_fp32();
      r.memory_reduction_vs_mixed16 = p0.memory_reduction_vs_mixed16();
      r.low_precision_ratio = p0.low_precision_ratio;
      r.dram_read_bytes = hw_mean([](const HwPointResult& x) { return x.dram_read_bytes; });
      r.dram_write_bytes = hw_mean([](const HwPointResult& x) { return x.dram_write_bytes; });
      r.sram_bytes = hw_mean([](const HwPointResult& x) { return x.sram_bytes; });
      r.cycles = hw_mean([](const HwPointResult& x) { return x.cycles; });
      r.time_s = hw_mean([](const HwPointResult& x) { return x.time_s; });
      r.images_per_s = hw_mean([](const HwPointResult& x) { return x.images_per_s; });
      r.energy_mac_uj = hw_mean([](const HwPointResult& x) { return x.mac_pj * 1e-6; });
      r.energy_sram_uj = hw_mean([](const HwPointResult& x) { return x.sram_pj * 1e-6; });
      r.energy_dram_uj = hw_mean([](const HwPointResult& x) { return x.dram_pj * 1e-6; });
      r.energy_static_uj = hw_mean([](const HwPointResult& x) { return x.static_pj * 1e-6; });
      r.energy_uj = r.energy_mac_uj + r.energy_sram_uj + r.energy_dram_uj + r.energy_static_uj;
      r.energy_per_image_uj = p0.batch > 0 ? r.energy_uj / static_cast<double>(p0.batch) : 0.0;
      rows.push_back(r);
    }
  }
  return rows;
}

std::string results_csv(const std::vector<ResultRow>& rows) {
  std::string s;
  for (std::size_t i = 0; i < kResultColumns.size(); ++i) s += (i ? "," : "") + kResultColumns[i];
  s += "\n";
  for (const ResultRow& r : rows) {
    const std::vector<std::string> v = row_values(r);
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + csv_field(v[i]);
    s += "\n";
  }
  return s;
}

std::vector<std::string> write_experiment_report(const ExperimentConfig& config, std::vector<PointResult> points,
                                                 const std::function<bool()>& interrupted) {
  std::sort(points.begin(), points.end(), [](const PointResult& a, const PointResult& b) { return a.index < b.index; });
  std::filesystem::create_directories(config.out);
  const std::vector<ResultRow> rows = result_rows(config, points);

  nlohmann::ordered_json json;
  json["experiment"] = config.name;
  json["config"] = config.file;
  json["columns"] = kResultColumns;
  json["rows"] = nlohmann::json::array();
  for (const ResultRow& r : rows) {
    nlohmann::ordered_json row;
    const std::vector<std::string> v = row_values(r);
    for (std::size_t i = 0; i < v.size(); ++i) {
      // Numbers as numbers: the first three columns are names.
      if (i < 3) row[kResultColumns[i]] = v[i];
      else row[kResultColumns[i]] = std::stod(v[i]);
    }
    json["rows"].push_back(row);
  }
  json["points"] = nlohmann::json::array();
  // point_to_json gives a plain (key-sorted) json; ordered_json takes it through its text.
  for (const PointResult& p : points) json["points"].push_back(nlohmann::ordered_json::parse(point_to_json(p).dump()));

  write_file_atomically(config.out + "/results.csv", results_csv(rows));
  write_file_atomically(config.out + "/results.json", json.dump(1) + "\n");
  write_file_atomically(config.out + "/per_layer.csv", per_layer_csv(points));
  write_file_atomically(config.out + "/curves.csv", curves_csv(points));
  std::vector<std::string> warnings;
  const std::vector<Plot> plots = render_plots(config, rows, points, warnings, interrupted);
  // A Ctrl-C from the terminal also ends gnuplot: that plot's failure is the interruption.
  if (interrupted && interrupted()) throw ExperimentInterrupted(points.size(), points.size());
  write_file_atomically(config.out + "/report.md", report_markdown(config, rows, points, plots, warnings));
  return warnings;
}

}  // namespace mpsim::host
