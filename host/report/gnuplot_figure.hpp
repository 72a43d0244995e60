// PNG plots through gnuplot (Debian's gnuplot-nox, installed by `make deps`): each figure is
// written as a self-contained gnuplot script with its data inline (FIGURE.gp next to
// FIGURE.png), so a user can restyle a plot and re-run `gnuplot FIGURE.gp` without mpsim.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mpsim::host {

struct PlotSeries {
  std::string label;
  std::vector<std::pair<double, double>> points;
  enum class Style { points, lines, linespoints } style = Style::linespoints;
  std::vector<std::string> point_labels;  // optional text next to each point
};

struct XyFigure {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  bool log_x = false;
};

// Stacked bars: one bar per category, one stack segment per part.
struct StackedBarFigure {
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<std::string> parts;
  std::vector<std::vector<double>> values;  // [category][part]
};

// Write PATH.gp (without the .png suffix) and run gnuplot to make PATH (a .png). Throws
// std::runtime_error with one line when gnuplot is missing or fails; the script stays behind.
void render_figure(const XyFigure& figure, const std::string& png_path);
void render_figure(const StackedBarFigure& figure, const std::string& png_path);

// The gnuplot script text, for tests.
std::string gnuplot_script(const XyFigure& figure, const std::string& png_path);
std::string gnuplot_script(const StackedBarFigure& figure, const std::string& png_path);

}  // namespace mpsim::host
