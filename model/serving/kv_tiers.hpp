#pragma once
// KV-cache tiers for prefix reuse: HBM, host DRAM, SSD. A prefix-cache hit
// skips the prompt tokens' computation but the hit tokens' KV must be in HBM
// before the step uses them: free when it is still in HBM, loaded at the
// tier's bandwidth otherwise. Which tier holds a hit follows from how much
// of the reuse working set each tier holds (filled fastest first).
// Equations: docs/equations.md, "Serving" (KV tiers).

#include <string>
#include <vector>

#include "model/units.hpp"

namespace hwplan::model::serving {

struct KvTier {
    std::string name;                                  // "hbm", "dram", "ssd"
    Bytes capacity = bytes(0);                         // per node, available for the prefix cache
    BytesPerSecond bandwidth = bytes_per_second(0);    // per GPU, into HBM; 0 for HBM itself (no load)
};

// The mean cost of one hit token, per GPU of a replica.
struct KvLoadCost {
    double seconds_per_hit_token = 0;
};

struct KvReuse {
    double target_hit_rate = 0;  // share of prompt tokens that are a reused prefix (workload property)
    double requests_per_s = 0;   // per node
    double mean_prompt = 0;      // tokens
    Seconds reuse_window = seconds(300);  // how long a prefix must stay cached to be hit again
    Bytes kv_bytes_per_token = bytes(0);  // the whole model's KV per token
    Bytes kv_bytes_per_token_per_gpu = bytes(0);  // the share one GPU of a replica holds (loads)
};

struct KvTierUse {
    std::string name;
    Bytes provisioned = bytes(0);  // per node
    double hit_share = 0;          // share of hits served from this tier
    double seconds_per_token = 0;  // load time of one hit token from this tier (per GPU)
};

struct KvTierPlan {
    Bytes working_set = bytes(0);  // per node: target x rate x window x prompt x bytes/token
    double target_hit_rate = 0;
    double achieved_hit_rate = 0;  // target scaled by the share of the working set held
    std::vector<KvTierUse> tiers;
    double resident_sessions = 0;  // prompts whose KV the provisioned tiers hold (per node)
    KvLoadCost load;
};

// Provisions tiers in the order given (fastest first), each up to its
// capacity, until the working set is held. Throws hwplan::Error for negative
// sizes or a hit rate outside [0, 1].
[[nodiscard]] KvTierPlan plan_kv_tiers(const std::vector<KvTier>& tiers, const KvReuse& reuse);

}  // namespace hwplan::model::serving
