#include "cli/memory_report.hpp"

namespace hwplan::cli {

nlohmann::json memory_json(const model::MemoryPlan& plan) {
    return {{"weights_bytes", plan.weights.value()},
            {"kv_cache_bytes", plan.kv_cache.value()},
            {"activations_bytes", plan.activations.value()},
            {"comm_buffers_bytes", plan.comm_buffers.value()},
            {"runtime_reserve_bytes", plan.runtime_reserve.value()},
            {"total_bytes", plan.total.value()},
            {"capacity_bytes", plan.capacity.value()},
            {"fits", plan.fits},
            {"max_batch", plan.max_batch},
            {"reason", plan.reason}};
}

void append_memory_report(Report& r, const ResolvedLayout& l) {
    const auto plan = model::plan_memory(l.model, l.system, l.deployment, l.workload);
    const auto gb = [](model::Bytes b) { return fixed(b.value() / 1e9, 2); };
    const auto& d = l.deployment;
    Table t{"Memory per GPU: " + l.model.id + " on " + std::to_string(d.nodes) + "x " + l.system.id + " (" +
                layout_label(d) + ", weights " + std::string(model::to_string(d.precision.weights)) + ", KV " +
                std::string(model::to_string(d.precision.kv_cache)) + ", batch " + std::to_string(l.workload.batch) +
                " x context " + std::to_string(l.workload.context) + ")",
            {"component", "GB"},
            {},
            {}};
    t.rows = {{"weights", gb(plan.weights)},
              {"KV cache", gb(plan.kv_cache)},
              {"activations", gb(plan.activations)},
              {"comm buffers", gb(plan.comm_buffers)},
              {"runtime reserve", gb(plan.runtime_reserve)},
              {"total", gb(plan.total)},
              {"capacity", gb(plan.capacity)}};
    t.notes.push_back(plan.fits ? "fits; up to " + std::to_string(plan.max_batch) + " sequences per replica"
                                : "DOES NOT FIT: " + plan.reason);
    if (r.json.empty()) {
        r.json = memory_json(plan);
        r.json["model"] = l.model.id;
        r.json["system"] = l.system.id;
        r.json["nodes"] = d.nodes;
        r.json["gpus"] = d.nodes * l.system.gpus_per_node;
        r.json["layout"] = {{"tp", d.tp}, {"dp", d.dp}, {"pp", d.pp}, {"ep", d.ep}};
        r.json["batch"] = l.workload.batch;
        r.json["context"] = l.workload.context;
    }
    r.tables.push_back(std::move(t));
}

}  // namespace hwplan::cli
