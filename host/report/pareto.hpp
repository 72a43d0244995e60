// The Pareto front of (benefit, accuracy) points, both to be maximised: a point is on the front
// when no other point is at least as good in both and strictly better in one. The co-design
// report marks it on the accuracy-vs-memory-reduction plot (issue 8).
#pragma once

#include <cstddef>
#include <vector>

namespace mpsim::host {

struct ParetoPoint {
  double x = 0;  // benefit (e.g. memory reduction vs fp32), larger is better
  double y = 0;  // accuracy, larger is better
};

// Indices of the points on the front, sorted by increasing x. NaN points are never on it.
std::vector<std::size_t> pareto_front(const std::vector<ParetoPoint>& points);

}  // namespace mpsim::host
