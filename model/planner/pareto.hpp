#pragma once
// Exact two-objective Pareto fronts over a finite set of points.

#include <algorithm>
#include <cstddef>
#include <vector>

namespace hwplan::model::planner {

// Indices of the points not dominated by any other, where `x` and `y` are
// both to be MINIMISED (negate an objective to maximise it). A point
// dominates another when it is no worse in both and better in one; of exact
// duplicates the first in `tie` order is kept. Sorted by x ascending (y
// descending). O(n log n). `tie(i, j)` is a strict total order used to break
// ties deterministically.
template <class X, class Y, class Tie>
[[nodiscard]] std::vector<std::size_t> pareto_front(std::size_t n, X x, Y y, Tie tie) {
    std::vector<std::size_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) idx[i] = i;
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        if (x(a) != x(b)) return x(a) < x(b);
        if (y(a) != y(b)) return y(a) < y(b);
        return tie(a, b);
    });
    std::vector<std::size_t> front;
    bool have = false;
    double best_y = 0;
    for (std::size_t i : idx) {
        // Sorted by x then y: i is dominated iff an earlier point has y <= y(i)
        // (earlier x is <= and, for equal x, earlier y is <=).
        if (have && !(y(i) < best_y)) continue;
        front.push_back(i);
        best_y = y(i);
        have = true;
    }
    return front;
}

}  // namespace hwplan::model::planner
