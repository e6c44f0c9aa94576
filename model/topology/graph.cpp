#include "model/topology/graph.hpp"

#include <algorithm>
#include <deque>
#include <string>

#include <fmt/format.h>

#include "model/error.hpp"

namespace hwplan::model::topology {

namespace {

constexpr std::int64_t max_switches = 200'000;

void check_buildable(std::int64_t switches, const char* where) {
    if (switches > max_switches)
        throw Error(fmt::format("{} switches is too many to build explicitly (max {})", switches,
                                max_switches),
                    where);
}

void add_link(SwitchGraph& g, int a, int b) {
    g.adjacency[static_cast<std::size_t>(a)].push_back(b);
    g.adjacency[static_cast<std::size_t>(b)].push_back(a);
}

int add_switch(SwitchGraph& g, int group) {
    g.adjacency.emplace_back();
    g.group.push_back(group);
    return static_cast<int>(g.adjacency.size()) - 1;
}

void add_endpoints(SwitchGraph& g, int sw, int count) {
    for (int i = 0; i < count; ++i) g.endpoint_switch.push_back(sw);
}

// GF(p^n) with elements 0..q-1 (base-p digits = polynomial coefficients).
class GaloisField {
public:
    explicit GaloisField(int q) : q_(q) {
        p_ = 2;
        while (q % p_ != 0) ++p_;
        n_ = 0;
        for (int v = q; v > 1; v /= p_) ++n_;
        add_.assign(static_cast<std::size_t>(q * q), 0);
        for (int a = 0; a < q; ++a)
            for (int b = 0; b < q; ++b) add_[idx(a, b)] = digitwise(a, b, +1);
        // Try monic polynomials of degree n until the multiplication makes a field.
        const int candidates = q;  // the n lower coefficients of x^n + ...
        for (int low = 0; low < candidates; ++low) {
            build_mul(low);
            if (is_field()) {
                find_primitive();
                return;
            }
        }
        throw Error(fmt::format("no field of order {} found", q), "slim_fly.q");
    }
    [[nodiscard]] int add(int a, int b) const { return add_[idx(a, b)]; }
    [[nodiscard]] int sub(int a, int b) const { return digitwise(a, b, -1); }
    [[nodiscard]] int mul(int a, int b) const { return mul_[idx(a, b)]; }
    [[nodiscard]] int primitive() const { return xi_; }
    [[nodiscard]] int power(int e) const {
        int r = 1;
        for (int i = 0; i < e; ++i) r = mul(r, xi_);
        return r;
    }

private:
    [[nodiscard]] std::size_t idx(int a, int b) const { return static_cast<std::size_t>(a * q_ + b); }
    [[nodiscard]] int digitwise(int a, int b, int sign) const {
        int r = 0, place = 1;
        for (int i = 0; i < n_; ++i) {
            const int d = (((a % p_) + sign * (b % p_)) % p_ + p_) % p_;
            r += d * place;
            place *= p_;
            a /= p_;
            b /= p_;
        }
        return r;
    }
    // Polynomial product modulo x^n + (low as coefficients).
    void build_mul(int low) {
        std::vector<int> red(static_cast<std::size_t>(n_));
        for (int i = 0, v = low; i < n_; ++i, v /= p_) red[static_cast<std::size_t>(i)] = v % p_;
        mul_.assign(static_cast<std::size_t>(q_ * q_), 0);
        for (int a = 0; a < q_; ++a)
            for (int b = 0; b < q_; ++b) {
                std::vector<int> prod(static_cast<std::size_t>(2 * n_), 0);
                for (int i = 0, x = a; i < n_; ++i, x /= p_)
                    for (int j = 0, y = b; j < n_; ++j, y /= p_)
                        prod[static_cast<std::size_t>(i + j)] += (x % p_) * (y % p_);
                // x^n = -(red) ; reduce from the top.
                for (int d = 2 * n_ - 1; d >= n_; --d) {
                    const int c = prod[static_cast<std::size_t>(d)] % p_;
                    prod[static_cast<std::size_t>(d)] = 0;
                    for (int i = 0; i < n_; ++i)
                        prod[static_cast<std::size_t>(d - n_ + i)] -= c * red[static_cast<std::size_t>(i)];
                }
                int r = 0;
                for (int i = n_ - 1; i >= 0; --i)
                    r = r * p_ + ((prod[static_cast<std::size_t>(i)] % p_) + p_) % p_;
                mul_[idx(a, b)] = r;
            }
    }
    [[nodiscard]] bool is_field() const {
        for (int a = 1; a < q_; ++a) {
            bool has_inverse = false;
            for (int b = 1; b < q_ && !has_inverse; ++b) has_inverse = mul(a, b) == 1;
            if (!has_inverse) return false;
        }
        return true;
    }
    void find_primitive() {
        for (int c = 1; c < q_; ++c) {
            int order = 1;
            for (int v = c; v != 1; v = mul(v, c)) ++order;
            if (order == q_ - 1) {
                xi_ = c;
                return;
            }
        }
    }
    int q_ = 0, p_ = 0, n_ = 0, xi_ = 1;
    std::vector<int> add_, mul_;
};

}  // namespace

SwitchGraph build_graph(const FatTree& t) {
    const LeafPorts lp = leaf_ports(t);  // validates
    if (t.tiers > 3) throw Error("graph builder supports 1..3 tiers", "fat_tree.tiers");
    const int k = t.radix, h = k / 2, d = lp.down, u = lp.up;
    check_buildable(size(t).switches, "fat_tree.radix");
    SwitchGraph g;
    if (t.tiers == 1) {
        add_endpoints(g, add_switch(g, 0), k);
        return g;
    }
    if (t.tiers == 2) {
        std::vector<int> leaves, spines;
        for (int i = 0; i < k; ++i) leaves.push_back(add_switch(g, 0));
        for (int i = 0; i < u; ++i) spines.push_back(add_switch(g, 0));
        for (int l : leaves) {
            add_endpoints(g, l, d);
            for (int s : spines) add_link(g, l, s);
        }
        return g;
    }
    // Three tiers: k pods of h edges and u aggregation switches (edge j to
    // every agg of its pod); u·h cores, agg j of every pod to cores j·h .. j·h+h-1.
    std::vector<int> cores;
    for (int pod = 0; pod < k; ++pod) {
        std::vector<int> edges, aggs;
        for (int i = 0; i < h; ++i) edges.push_back(add_switch(g, pod));
        for (int i = 0; i < u; ++i) aggs.push_back(add_switch(g, pod));
        for (int e : edges) {
            add_endpoints(g, e, d);
            for (int a : aggs) add_link(g, e, a);
        }
        if (pod == 0)
            for (int i = 0; i < u * h; ++i) cores.push_back(add_switch(g, -1));
        for (int j = 0; j < u; ++j)
            for (int c = 0; c < h; ++c) add_link(g, aggs[static_cast<std::size_t>(j)], cores[static_cast<std::size_t>(j * h + c)]);
    }
    return g;
}

SwitchGraph build_graph(const MultiPlaneFatTree& t) {
    const SwitchGraph one = build_graph(plane(t));
    SwitchGraph g;
    const int n = static_cast<int>(one.adjacency.size());
    for (int pl = 0; pl < t.planes; ++pl) {
        for (int s = 0; s < n; ++s) {
            g.adjacency.emplace_back();
            for (int v : one.adjacency[static_cast<std::size_t>(s)]) g.adjacency.back().push_back(v + pl * n);
            g.group.push_back(pl);
        }
        for (int sw : one.endpoint_switch) g.endpoint_switch.push_back(sw + pl * n);
    }
    return g;
}

SwitchGraph build_graph(const SlimFly& t) {
    validate(t);
    if (!is_prime_power(t.q))
        throw Error(fmt::format("no MMS graph for q = {} (not a prime power)", t.q), "slim_fly.q");
    const int q = t.q;
    check_buildable(2LL * q * q, "slim_fly.q");
    const int delta = slim_fly_delta(q);
    const int w = (q - delta) / 4;
    const GaloisField f(q);

    // Generator sets (Besta & Hoefler SC14, Section 2.2.1), as exponents of ξ.
    std::vector<int> x_exp, xp_exp;
    if (delta == 1) {
        for (int i = 0; i <= q - 3; i += 2) x_exp.push_back(i);
        for (int i = 1; i <= q - 2; i += 2) xp_exp.push_back(i);
    } else if (delta == -1) {
        for (int i = 0; i <= 2 * w - 2; i += 2) x_exp.push_back(i);
        for (int i = 2 * w - 1; i <= 4 * w - 3; i += 2) x_exp.push_back(i);
        for (int i = 1; i <= 2 * w - 1; i += 2) xp_exp.push_back(i);
        for (int i = 2 * w; i <= 4 * w - 2; i += 2) xp_exp.push_back(i);
    } else {
        for (int i = 0; i <= q - 2; i += 2) x_exp.push_back(i);
        for (int i = 1; i <= q - 1; i += 2) xp_exp.push_back(i);
    }
    std::vector<bool> in_x(static_cast<std::size_t>(q), false), in_xp(static_cast<std::size_t>(q), false);
    for (int e : x_exp) in_x[static_cast<std::size_t>(f.power(e))] = true;
    for (int e : xp_exp) in_xp[static_cast<std::size_t>(f.power(e))] = true;

    SwitchGraph g;
    const auto id = [q](int s, int x, int y) { return s * q * q + x * q + y; };
    for (int s = 0; s < 2; ++s)
        for (int x = 0; x < q; ++x)
            for (int y = 0; y < q; ++y) add_switch(g, s * q + x);
    const int p = endpoints_per_router(t);
    for (int r = 0; r < 2 * q * q; ++r) add_endpoints(g, r, p);
    // Intra-block links; the sets are symmetric (X = -X), so add each pair once.
    for (int s = 0; s < 2; ++s) {
        const auto& set = s == 0 ? in_x : in_xp;
        for (int x = 0; x < q; ++x)
            for (int y = 0; y < q; ++y)
                for (int y2 = y + 1; y2 < q; ++y2)
                    if (set[static_cast<std::size_t>(f.sub(y, y2))]) add_link(g, id(s, x, y), id(s, x, y2));
    }
    // Cross links: (0,x,y) ~ (1,m,c) iff y = m x + c.
    for (int x = 0; x < q; ++x)
        for (int m = 0; m < q; ++m)
            for (int c = 0; c < q; ++c) add_link(g, id(0, x, f.add(f.mul(m, x), c)), id(1, m, c));
    return g;
}

SwitchGraph build_graph(const Dragonfly& t) {
    const int ng = groups(t);  // validates
    const int a = t.a, h = t.h;
    check_buildable(static_cast<std::int64_t>(a) * ng, "dragonfly.groups");
    SwitchGraph g;
    for (int grp = 0; grp < ng; ++grp)
        for (int r = 0; r < a; ++r) add_endpoints(g, add_switch(g, grp), t.p);
    const auto router = [a, h](int grp, int port) { return grp * a + port / h; };
    for (int grp = 0; grp < ng; ++grp)
        for (int i = 0; i < a; ++i)
            for (int j = i + 1; j < a; ++j) add_link(g, grp * a + i, grp * a + j);
    // One link per group pair: port t of G <-> port g-2-t of G+t+1.
    for (int grp = 0; grp < ng; ++grp)
        for (int port = 0; port < ng - 1; ++port) {
            const int peer = (grp + port + 1) % ng;
            if (grp < peer) add_link(g, router(grp, port), router(peer, ng - 2 - port));
        }
    // Spare ports s = a·h - (g-1) per group: pairs (2c-2 out, 2c-1 in) to offset
    // 1 + (c-1) mod (g-1); an odd last one to G + g/2 (g is even then).
    const int spare = a * h - (ng - 1);
    const int base = ng - 1;
    for (int c = 1; c <= spare / 2; ++c) {
        const int offset = 1 + (c - 1) % (ng - 1);
        for (int grp = 0; grp < ng; ++grp)
            add_link(g, router(grp, base + 2 * c - 2), router((grp + offset) % ng, base + 2 * c - 1));
    }
    if (spare % 2 == 1)
        for (int grp = 0; grp < ng / 2; ++grp)
            add_link(g, router(grp, base + spare - 1), router(grp + ng / 2, base + spare - 1));
    return g;
}

std::int64_t switch_count(const SwitchGraph& g) { return static_cast<std::int64_t>(g.adjacency.size()); }

std::int64_t link_count(const SwitchGraph& g) {
    std::int64_t ends = 0;
    for (const auto& adj : g.adjacency) ends += static_cast<std::int64_t>(adj.size());
    return ends / 2;
}

std::int64_t endpoint_count(const SwitchGraph& g) {
    return static_cast<std::int64_t>(g.endpoint_switch.size());
}

std::vector<int> distances_from(const SwitchGraph& g, int source) {
    const auto n = g.adjacency.size();
    if (source < 0 || static_cast<std::size_t>(source) >= n)
        throw Error(fmt::format("switch {} out of range 0..{}", source, n), "source");
    std::vector<int> dist(n, -1);
    std::deque<int> queue{source};
    dist[static_cast<std::size_t>(source)] = 0;
    while (!queue.empty()) {
        const int v = queue.front();
        queue.pop_front();
        for (int u : g.adjacency[static_cast<std::size_t>(v)])
            if (dist[static_cast<std::size_t>(u)] < 0) {
                dist[static_cast<std::size_t>(u)] = dist[static_cast<std::size_t>(v)] + 1;
                queue.push_back(u);
            }
    }
    return dist;
}

int endpoint_hops(const SwitchGraph& g, int endpoint_a, int endpoint_b) {
    const auto n = g.endpoint_switch.size();
    if (endpoint_a < 0 || endpoint_b < 0 || static_cast<std::size_t>(endpoint_a) >= n ||
        static_cast<std::size_t>(endpoint_b) >= n)
        throw Error(fmt::format("endpoint out of range 0..{}", n), "endpoint");
    const int sa = g.endpoint_switch[static_cast<std::size_t>(endpoint_a)];
    const int sb = g.endpoint_switch[static_cast<std::size_t>(endpoint_b)];
    const int d = distances_from(g, sa)[static_cast<std::size_t>(sb)];
    return d < 0 ? -1 : d + 1;
}

namespace {
// Endpoints held per switch.
std::vector<std::int64_t> endpoints_per_switch(const SwitchGraph& g) {
    std::vector<std::int64_t> count(g.adjacency.size(), 0);
    for (int s : g.endpoint_switch) ++count[static_cast<std::size_t>(s)];
    return count;
}
}  // namespace

int endpoint_diameter(const SwitchGraph& g) {
    const auto count = endpoints_per_switch(g);
    int diameter = 0;
    for (std::size_t s = 0; s < count.size(); ++s) {
        if (count[s] == 0) continue;
        const auto dist = distances_from(g, static_cast<int>(s));
        for (std::size_t v = 0; v < count.size(); ++v) {
            if (count[v] == 0) continue;
            if (dist[v] < 0) return -1;
            diameter = std::max(diameter, dist[v]);
        }
    }
    return diameter;
}

double average_endpoint_hops(const SwitchGraph& g) {
    const auto count = endpoints_per_switch(g);
    double sum = 0, pairs = 0;
    for (std::size_t s = 0; s < count.size(); ++s) {
        if (count[s] == 0) continue;
        const auto dist = distances_from(g, static_cast<int>(s));
        for (std::size_t v = 0; v < count.size(); ++v) {
            if (count[v] == 0 || dist[v] < 0) continue;
            const double n_pairs = static_cast<double>(count[s]) *
                                   static_cast<double>(v == s ? count[v] - 1 : count[v]);
            sum += n_pairs * (dist[v] + 1);
            pairs += n_pairs;
        }
    }
    return pairs > 0 ? sum / pairs : 0.0;
}

}  // namespace hwplan::model::topology
