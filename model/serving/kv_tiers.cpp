#include "model/serving/kv_tiers.hpp"

#include <algorithm>
#include <cmath>

#include "model/error.hpp"

namespace hwplan::model::serving {

KvTierPlan plan_kv_tiers(const std::vector<KvTier>& tiers, const KvReuse& r) {
    if (!(r.target_hit_rate >= 0 && r.target_hit_rate <= 1)) throw Error("must be between 0 and 1", "kv_hit_rate");
    if (!(r.requests_per_s >= 0) || !(r.mean_prompt >= 0) || !(r.reuse_window.value() >= 0) ||
        !(r.kv_bytes_per_token.value() >= 0))
        throw Error("rates, lengths, window and sizes must not be negative", "kv_tiers");
    KvTierPlan p;
    p.target_hit_rate = r.target_hit_rate;
    // The reused prefixes of the last `window` seconds of requests must stay cached.
    const double ws = r.target_hit_rate * r.requests_per_s * r.reuse_window.value() * r.mean_prompt *
                      r.kv_bytes_per_token.value();
    p.working_set = bytes(ws);
    double left = ws, held = 0;
    for (const KvTier& t : tiers) {
        if (t.capacity.value() < 0 || t.bandwidth.value() < 0)
            throw Error("capacity and bandwidth must not be negative", t.name);
        KvTierUse u;
        u.name = t.name;
        u.provisioned = bytes(std::min(left, t.capacity.value()));
        left -= u.provisioned.value();
        held += u.provisioned.value();
        u.seconds_per_token =
            t.bandwidth.value() > 0 ? r.kv_bytes_per_token_per_gpu.value() / t.bandwidth.value() : 0.0;
        p.tiers.push_back(u);
    }
    if (ws > 0) {
        double cost = 0;
        for (KvTierUse& u : p.tiers) {
            u.hit_share = held > 0 ? u.provisioned.value() / held : 0;
            cost += u.hit_share * u.seconds_per_token;
        }
        p.achieved_hit_rate = r.target_hit_rate * held / ws;
        p.load.seconds_per_hit_token = cost;
    } else {
        p.achieved_hit_rate = r.target_hit_rate;
    }
    const double per_session = r.mean_prompt * r.kv_bytes_per_token.value();
    p.resident_sessions = per_session > 0 ? held / per_session : 0;
    return p;
}

}  // namespace hwplan::model::serving
