#include "host/report/gnuplot_figure.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fmt/format.h>
#include <stdexcept>

#include "model/atomic_file.hpp"

namespace mpsim::host {
namespace {

// gnuplot strings are double-quoted; a quote or backslash in a label would end them early.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string preamble(const std::string& png_path, const std::string& title) {
  return fmt::format(
      "set terminal pngcairo size 900,600 noenhanced font \"sans,10\"\n"
      "set output {}\nset title {}\nset grid\nset key outside right top\nset offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n",
      quoted(png_path), quoted(title));
}

const char* style_name(PlotSeries::Style s) {
  switch (s) {
    case PlotSeries::Style::points: return "points pt 7 ps 1.2";
    case PlotSeries::Style::lines: return "lines lw 2";
    case PlotSeries::Style::linespoints: return "linespoints lw 2 pt 7";
  }
  return "points";
}

// `gnuplot SCRIPT` with stderr to /dev/null; its wait status, or -1 when it cannot start (not
// installed). Not std::system(): that ignores SIGINT in mpsim while gnuplot runs, so a Ctrl-C
// in the report's seconds of plotting would be lost instead of stopping the run.
int run_gnuplot_on(const std::string& script) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string program = "gnuplot", path = script;
  char* argv[] = {program.data(), path.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

// The script is kept next to the PNG (with the PNG's own name in it, for a user to re-run);
// gnuplot itself runs a copy that writes a temporary PNG, committed like every other file, so a
// killed run or a full disk never leaves a truncated plot under the final name.
void run_gnuplot(const std::string& script, const std::string& temp_script, const std::string& png_path) {
  const std::string script_path = png_path.substr(0, png_path.rfind('.')) + ".gp";
  write_file_atomically(script_path, script);
  const std::string temp_png = temp_path_for(png_path);
  write_file_atomically(temp_path_for(script_path), temp_script);
  const int status = run_gnuplot_on(temp_path_for(script_path));
  std::remove(temp_path_for(script_path).c_str());
  if (status != 0) {
    std::remove(temp_png.c_str());
    throw std::runtime_error(png_path + ": gnuplot failed or is not installed (make deps installs gnuplot-nox; script: " +
                             script_path + ")");
  }
  commit_file(temp_png, png_path);
}

}  // namespace

std::string gnuplot_script(const XyFigure& figure, const std::string& png_path) {
  std::string s = preamble(png_path, figure.title);
  s += fmt::format("set xlabel {}\nset ylabel {}\n", quoted(figure.x_label), quoted(figure.y_label));
  if (figure.log_x) s += "set logscale x\n";
  // Inline data blocks ($name << EOD) keep the script self-contained.
  for (std::size_t i = 0; i < figure.series.size(); ++i) {
    s += fmt::format("$s{} << EOD\n", i);
    const PlotSeries& series = figure.series[i];
    for (std::size_t p = 0; p < series.points.size(); ++p) {
      const std::string label = p < series.point_labels.size() ? series.point_labels[p] : "";
      s += fmt::format("{:.9g} {:.9g} {}\n", series.points[p].first, series.points[p].second, quoted(label));
    }
    s += "EOD\n";
  }
  s += "plot ";
  for (std::size_t i = 0; i < figure.series.size(); ++i) {
    const PlotSeries& series = figure.series[i];
    s += fmt::format("{}$s{} using 1:2 with {} title {}", i ? ", \\\n     " : "", i, style_name(series.style),
                     quoted(series.label));
    if (!series.point_labels.empty()) {
      s += fmt::format(", \\\n     $s{} using 1:2:3 with labels offset 0.8,0.8 left font \",8\" notitle", i);
    }
  }
  return s + "\n";
}

std::string gnuplot_script(const StackedBarFigure& figure, const std::string& png_path) {
  std::string s = preamble(png_path, figure.title);
  s += fmt::format("set ylabel {}\nset style data histograms\nset style histogram rowstacked\n", quoted(figure.y_label));
  // Bars start at zero: the offsets of the preamble would otherwise extend the axis below it.
  s += "set style fill solid 0.85 border -1\nset boxwidth 0.7\nset xtics rotate by -30\nset offsets 0, 0, 0, 0\nset yrange [0:*]\n$bars << EOD\n";
  for (std::size_t c = 0; c < figure.categories.size(); ++c) {
    s += quoted(figure.categories[c]);
    for (std::size_t p = 0; p < figure.parts.size(); ++p) {
      s += fmt::format(" {:.9g}", p < figure.values[c].size() ? figure.values[c][p] : 0.0);
    }
    s += "\n";
  }
  s += "EOD\nplot ";
  for (std::size_t p = 0; p < figure.parts.size(); ++p) {
    s += fmt::format("{}$bars using {}{} title {}", p ? ", " : "", p + 2, p ? "" : ":xtic(1)", quoted(figure.parts[p]));
  }
  return s + "\n";
}

void render_figure(const XyFigure& figure, const std::string& png_path) {
  run_gnuplot(gnuplot_script(figure, png_path), gnuplot_script(figure, temp_path_for(png_path)), png_path);
}
void render_figure(const StackedBarFigure& figure, const std::string& png_path) {
  run_gnuplot(gnuplot_script(figure, png_path), gnuplot_script(figure, temp_path_for(png_path)), png_path);
}

}  // namespace mpsim::host
