#include "host/report/pareto.hpp"

#include <algorithm>
#include <cmath>

namespace mpsim::host {

std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!std::isnan(points[i].x) && !std::isnan(points[i].y)) order.push_back(i);
  }
  // Sweep from the largest x down: a point is on the front when its y beats every point with a
  // larger x (ties in x: the larger y first, so an equal-x, lower-y point is dominated).
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].x != points[b].x) return points[a].x > points[b].x;
    return points[a].y > points[b].y;
  });
  std::vector<std::size_t> front;
  double best_y = -INFINITY;
  for (std::size_t i : order) {
    if (points[i].y > best_y) {
      front.push_back(i);
      best_y = points[i].y;
    }
  }
  std::reverse(front.begin(), front.end());
  return front;
}

}  // namespace mpsim::host
