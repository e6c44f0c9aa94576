#include "cli/memory_report.hpp"

namespace hwplan::cli {

namespace {

struct StorageClass {
    const char* label;
    const char* key;
    const model::WeightStorage model::CheckpointQuant::*member;
};
constexpr StorageClass kStorage[] = {
    {"attention", "attention", &model::CheckpointQuant::attention},
    {"dense FFN", "dense_ffn", &model::CheckpointQuant::dense_ffn},
    {"routed experts", "routed_experts", &model::CheckpointQuant::routed_experts},
    {"shared experts", "shared_experts", &model::CheckpointQuant::shared_experts},
    {"router", "router", &model::CheckpointQuant::router},
    {"embedding", "embedding", &model::CheckpointQuant::embedding},
    {"lm_head", "lm_head", &model::CheckpointQuant::lm_head},
};

// Classes the model has (a dense model has no experts, a tied head no lm_head).
bool present(const model::ModelArch& m, std::string_view key) {
    const auto* e = std::get_if<model::Moe>(&m.ffn);
    if (key == "dense_ffn") return m.dense_layers() > 0;
    if (key == "routed_experts" || key == "router") return e != nullptr;
    if (key == "shared_experts") return e && e->shared_experts > 0;
    if (key == "lm_head") return !m.tied_embeddings;
    return true;
}

}  // namespace

std::vector<std::string> weight_storage_lines(const model::ModelArch& m) {
    std::vector<std::string> out;
    if (!m.quantization) return out;
    for (const auto& c : kStorage) {
        if (!present(m, c.key)) continue;
        const auto& w = (*m.quantization).*c.member;
        out.push_back(std::string(c.label) + ": " + w.format + " (" + fixed(w.bits_per_weight, 3) + " bits/weight)");
    }
    return out;
}

nlohmann::json weight_storage_json(const model::ModelArch& m) {
    if (!m.quantization) return nullptr;
    nlohmann::json j = nlohmann::json::object();
    j["method"] = m.quantization->method;
    for (const auto& c : kStorage) {
        if (!present(m, c.key)) continue;
        const auto& w = (*m.quantization).*c.member;
        j[c.key] = {{"format", w.format}, {"dtype", std::string(model::to_string(w.dtype))}, {"bits_per_weight", w.bits_per_weight}};
    }
    return j;
}

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
    if (l.model.quantization) {
        if (d.precision.weights == l.model.weights_dtype) {
            std::string s = "weights as the checkpoint stores them (" + l.model.quantization->method + "): ";
            const auto lines = weight_storage_lines(l.model);
            for (std::size_t i = 0; i < lines.size(); ++i) s += (i ? "; " : "") + lines[i];
            t.notes.push_back(s);
        } else {
            t.notes.push_back(std::string("--weights ") + std::string(model::to_string(d.precision.weights)) +
                              " overrides the checkpoint's " + l.model.quantization->method +
                              " storage: every linear layer priced in that format");
        }
    }
    if (r.json.empty()) {
        r.json = memory_json(plan);
        r.json["model"] = l.model.id;
        r.json["system"] = l.system.id;
        r.json["nodes"] = d.nodes;
        r.json["gpus"] = d.nodes * l.system.gpus_per_node;
        r.json["layout"] = {{"tp", d.tp}, {"dp", d.dp}, {"pp", d.pp}, {"ep", d.ep}};
        r.json["batch"] = l.workload.batch;
        r.json["context"] = l.workload.context;
        if (l.model.quantization && d.precision.weights == l.model.weights_dtype)
            r.json["weights_storage"] = weight_storage_json(l.model);
    }
    r.tables.push_back(std::move(t));
}

}  // namespace hwplan::cli
