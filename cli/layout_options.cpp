#include "cli/layout_options.hpp"

#include <numeric>

#include "cli/bounded_flag.hpp"
#include "hwdb/unit_parse.hpp"
#include "model/error.hpp"
#include "model/layout.hpp"

namespace hwplan::cli {

void add_layout_options(CLI::App* sub, LayoutOptions& o, bool with_workload) {
    sub->add_option("--model", o.model, "Model id from the database, or a path to a .yaml / HF config.json")
        ->required();
    auto* sys = sub->add_option("--system", o.system, "System (node) id, e.g. h800-node");
    auto* gpu = sub->add_option("--gpu", o.gpu, "A GPU id alone (tp x dp x pp GPUs in one box), e.g. h100-sxm");
    sys->excludes(gpu);
    sub->add_option("--nodes", o.nodes, "Number of nodes (with --system)")->transform(whole_in(1, kMaxNodesFlag));
    sub->add_option("--tp", o.tp, "Tensor-parallel size (attention)")->transform(whole_in(1, kMaxParallelFlag));
    sub->add_option("--dp", o.dp, "Data-parallel attention replicas (default: fill the GPUs)")
        ->transform(whole_in(1, kMaxParallelFlag));
    sub->add_option("--pp", o.pp, "Pipeline stages")->transform(whole_in(1, kMaxParallelFlag));
    sub->add_option("--ep", o.ep, "Expert-parallel size (MoE)")->transform(whole_in(1, kMaxParallelFlag));
    sub->add_option("--redundant-experts", o.redundant_experts, "Extra expert replicas per EP group (EPLB)")
        ->transform(whole_in(0, kMaxParallelFlag));
    sub->add_option("--weights", o.weights, "Weight dtype: bf16, fp8, fp4, int4 ... (default: model's native)");
    sub->add_option("--kv", o.kv, "KV-cache dtype (default bf16)");
    sub->add_option("--activations", o.activations, "Activation dtype (default bf16)");
    sub->add_option("--dispatch", o.dispatch, "EP dispatch wire dtype (default fp8)");
    sub->add_option("--combine", o.combine, "EP combine wire dtype (default bf16)");
    if (with_workload) {
        sub->add_option("--batch", o.batch, "Concurrent sequences per attention (DP) replica")
            ->transform(whole_in(1, 1 << 20));
        sub->add_option("--context", o.context, "Tokens in each sequence's KV cache, e.g. 4096 or 32k");
        sub->add_option("--prompt", o.prompt, "Prompt tokens for TTFT, e.g. 2k (0: none)");
    }
    add_fabric_options(sub, o.fabric);
}

model::System single_box_system(const model::Gpu& gpu, int gpus) {
    model::System s;
    s.id = gpu.id;
    s.name = std::to_string(gpus) + "x " + gpu.name;
    s.gpu = gpu;
    s.gpus_per_node = gpus;
    s.scale_up_domain = gpus;
    s.source = gpu.source;
    return s;
}

std::string layout_label(const model::Deployment& d) {
    return "tp" + std::to_string(d.tp) + " dp" + std::to_string(d.dp) + " pp" + std::to_string(d.pp) + " ep" +
           std::to_string(d.ep);
}

namespace {

model::DType dtype_flag(const std::string& value, model::DType fallback, const char* flag) {
    if (value.empty()) return fallback;
    if (auto t = model::dtype_from_string(value)) return *t;
    throw Error("unknown dtype '" + value + "' (expected fp32, bf16, fp16, fp8, int8, fp4 or int4)", flag);
}

int whole_tokens(const std::string& text, const char* flag) {
    const double v = hwdb::parse_count(text, flag);
    if (v > 1e9 || v != static_cast<double>(static_cast<long long>(v)))
        throw Error("expected a whole number of tokens up to 1e9, got '" + text + "'", flag);
    return static_cast<int>(v);
}

}  // namespace

ResolvedLayout resolve_layout(const LayoutOptions& o, const hwdb::Database& db) {
    ResolvedLayout r;
    try {
        r.model = db.model(o.model);
    } catch (const Error& e) {
        throw e.within("--model");
    }
    const int tp = o.tp.value_or(1);
    const int pp = o.pp.value_or(1);
    model::Deployment& d = r.deployment;
    d.tp = tp;
    d.pp = pp;
    if (!o.gpu.empty()) {
        if (o.nodes != 1) throw Error("--nodes applies to --system, not to --gpu", "--nodes");
        const model::Gpu* gpu = nullptr;
        try {
            gpu = &db.gpu(o.gpu);
        } catch (const Error& e) {
            throw e.within("--gpu");
        }
        // Each flag is <= 65536, so the product fits in 64 bits; one box of
        // more GPUs than any planned node is a typo.
        const long long box = static_cast<long long>(tp) * o.dp.value_or(1) * pp;
        if (box > kMaxParallelFlag)
            throw Error("tp x dp x pp = " + std::to_string(box) + " GPUs in one --gpu box, more than " +
                            std::to_string(kMaxParallelFlag),
                        o.dp ? "--dp" : "--tp");
        r.system = single_box_system(*gpu, static_cast<int>(box));
        d.nodes = 1;
    } else if (!o.system.empty()) {
        try {
            r.system = db.system(o.system);
        } catch (const Error& e) {
            throw e.within("--system");
        }
        d.nodes = o.nodes;
    } else {
        throw Error("give --system <node id> or --gpu <gpu id>", "--system");
    }
    const int world = model::world_size(r.system, d);
    const long long tpp = static_cast<long long>(tp) * pp;  // 64-bit: each flag is up to 65536
    if (world % tpp != 0)
        throw Error("tp x pp = " + std::to_string(tpp) + " must divide the " + std::to_string(world) + " GPUs",
                    o.pp && !o.tp ? "--pp" : "--tp");
    d.dp = o.dp.value_or(world / (tp * pp));
    if (const auto* moe = std::get_if<model::Moe>(&r.model.ffn)) {
        d.redundant_experts = o.redundant_experts;
        d.ep = o.ep.value_or(std::gcd(world / pp, moe->routed_experts + o.redundant_experts));
    } else {
        if (o.ep && *o.ep != 1) throw Error(r.model.id + " is a dense model; EP needs experts", "--ep");
        d.ep = 1;
    }
    d.precision.weights = dtype_flag(o.weights, r.model.weights_dtype, "--weights");
    d.precision.kv_cache = dtype_flag(o.kv, model::DType::bf16, "--kv");
    d.precision.activations = dtype_flag(o.activations, model::DType::bf16, "--activations");
    d.precision.dispatch = dtype_flag(o.dispatch, model::DType::fp8, "--dispatch");
    d.precision.combine = dtype_flag(o.combine, model::DType::bf16, "--combine");

    r.workload.batch = o.batch;
    r.workload.context = whole_tokens(o.context, "--context");
    r.workload.prompt = whole_tokens(o.prompt, "--prompt");
    if (auto problem = model::layout_problem(r.model, r.system, d)) {
        // Name the flag the problem is about.
        const std::string& p = *problem;
        const char* flag = p.rfind("tp", 0) == 0 ? "--tp"
                           : p.rfind("ep", 0) == 0 ? "--ep"
                           : p.rfind("pp", 0) == 0 ? "--pp"
                           : p.find("dp") != std::string::npos ? "--dp"
                           : "--system";
        throw Error(p, flag);
    }
    if (auto f = resolve_fabric(o.fabric, r.system, d)) {
        d.fabric = f->links;
        r.fabric_label = std::move(f->label);
    }
    return r;
}

}  // namespace hwplan::cli
