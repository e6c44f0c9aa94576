// hwplan hw list | hw show <id>: the hardware database.
#include <fmt/format.h>

#include "cli/engine_option.hpp"
#include "cli/commands.hpp"
#include "model/error.hpp"

namespace hwplan::cli {

namespace {

std::string gbps(model::BytesPerSecond b) { return fixed(model::to_gbps(b), 0); }
std::string tflops(model::FlopsPerSecond f) { return f.value() > 0 ? fixed(model::to_tflops(f), 0) : "-"; }

nlohmann::json gpu_json(const model::Gpu& g) {
    return {{"id", g.id},
            {"kind", "gpu"},
            {"name", g.name},
            {"vendor", g.vendor},
            {"memory_bytes", g.memory_capacity.value()},
            {"memory_bandwidth_gbps", model::to_gbps(g.memory_bandwidth)},
            {"fp32_tflops", model::to_tflops(g.fp32_peak)},
            {"bf16_tflops", model::to_tflops(g.bf16_peak)},
            {"fp8_tflops", model::to_tflops(g.fp8_peak)},
            {"fp4_tflops", model::to_tflops(g.fp4_peak)},
            {"int8_tflops", model::to_tflops(g.int8_peak)},
            {"sms", g.sms},
            {"l2_bytes", g.l2_cache.value()},
            {"scale_up_bandwidth_gbps", model::to_gbps(g.scale_up_bandwidth)},
            {"pcie_bandwidth_gbps", model::to_gbps(g.pcie_bandwidth)},
            {"tdp_w", g.tdp_watts},
            {"price_usd", g.price_usd},
            {"source", g.source}};
}

nlohmann::json nic_json(const model::Nic& n) {
    return {{"id", n.id},           {"kind", "nic"},
            {"name", n.name},       {"bandwidth_gbps", model::to_gbps(n.bandwidth)},
            {"ports", n.ports},     {"latency_us", model::to_us(n.latency)},
            {"price_usd", n.price_usd}, {"power_w", n.power_watts},
            {"source", n.source}};
}

nlohmann::json switch_json(const model::Switch& s) {
    return {{"id", s.id},           {"kind", "switch"},
            {"name", s.name},       {"ports", s.ports},
            {"port_bandwidth_gbps", model::to_gbps(s.port_bandwidth)},
            {"latency_us", model::to_us(s.latency)},
            {"price_usd", s.price_usd}, {"power_w", s.power_watts},
            {"source", s.source}};
}

nlohmann::json cpu_json(const model::Cpu& c) {
    return {{"id", c.id},
            {"kind", "cpu"},
            {"name", c.name},
            {"sockets", c.sockets},
            {"cores", c.cores},
            {"memory_bytes", c.memory_capacity.value()},
            {"memory_bandwidth_gbps", model::to_gbps(c.memory_bandwidth)},
            {"matrix_tflops", model::to_tflops(c.matrix_peak)},
            {"tdp_w", c.tdp_watts},
            {"price_usd", c.price_usd},
            {"source", c.source}};
}

nlohmann::json system_json(const model::System& s) {
    nlohmann::json j = {{"id", s.id},
                        {"kind", "system"},
                        {"name", s.name},
                        {"gpu", s.gpu.id},
                        {"gpus_per_node", s.gpus_per_node},
                        {"scale_up_domain", s.scale_up_domain},
                        {"scale_up_bandwidth_gbps", model::to_gbps(s.scale_up_bandwidth_per_gpu())},
                        {"scale_out_bandwidth_per_gpu_gbps", model::to_gbps(s.scale_out_bandwidth_per_gpu())},
                        {"nics_per_node", s.nics_per_node},
                        {"planes", s.planes},
                        {"price_usd", s.price_usd},
                        {"price_per_gpu_hour_usd", s.price_per_gpu_hour_usd},
                        {"source", s.source}};
    j["nic"] = s.nic ? nlohmann::json(s.nic->id) : nlohmann::json(nullptr);
    j["fabric_switch"] = s.fabric_switch ? nlohmann::json(s.fabric_switch->id) : nlohmann::json(nullptr);
    j["host"] = s.host ? nlohmann::json(s.host->id) : nlohmann::json(nullptr);
    return j;
}

Table key_value_table(const std::string& title, const nlohmann::json& j) {
    Table t{title, {"field", "value"}, {}, {}};
    for (const auto& [k, v] : j.items()) t.rows.push_back({k, v.is_string() ? v.get<std::string>() : v.dump()});
    return t;
}

}  // namespace

void add_hw_command(CLI::App& app, Context& ctx) {
    auto* hw = app.add_subcommand("hw", "The hardware database");
    hw->require_subcommand(1);

    auto* list = hw->add_subcommand("list", "List GPUs, NICs, switches, CPUs, systems and serving engines");
    add_format_option(list, ctx);
    list->callback([&ctx] {
        const auto& db = ctx.db();
        Report r;
        Table gpus{"GPUs", {"id", "name", "memory GB", "HBM GB/s", "BF16 TFLOPS", "FP8 TFLOPS", "scale-up GB/s/dir"}, {}, {}};
        for (const auto& [id, g] : db.gpus()) {
            gpus.rows.push_back({id, g.name, fixed(g.memory_capacity.value() / 1e9, 0), gbps(g.memory_bandwidth),
                                 tflops(g.bf16_peak), tflops(g.fp8_peak), gbps(g.scale_up_bandwidth)});
            r.json["gpus"].push_back(gpu_json(g));
        }
        Table nics{"NICs", {"id", "name", "GB/s/dir", "latency us"}, {}, {}};
        for (const auto& [id, n] : db.nics()) {
            nics.rows.push_back({id, n.name, gbps(n.bandwidth), fixed(model::to_us(n.latency), 2)});
            r.json["nics"].push_back(nic_json(n));
        }
        Table sws{"Switches", {"id", "name", "ports", "GB/s/port", "latency us"}, {}, {}};
        for (const auto& [id, s] : db.switches()) {
            sws.rows.push_back({id, s.name, std::to_string(s.ports), gbps(s.port_bandwidth),
                                fixed(model::to_us(s.latency), 2)});
            r.json["switches"].push_back(switch_json(s));
        }
        Table cpus{"CPUs", {"id", "name", "sockets", "memory GB", "DRAM GB/s"}, {}, {}};
        for (const auto& [id, c] : db.cpus()) {
            cpus.rows.push_back({id, c.name, std::to_string(c.sockets), fixed(c.memory_capacity.value() / 1e9, 0),
                                 gbps(c.memory_bandwidth)});
            r.json["cpus"].push_back(cpu_json(c));
        }
        Table systems{"Systems", {"id", "name", "GPU", "GPUs/node", "scale-up", "NIC", "NICs"}, {}, {}};
        for (const auto& [id, s] : db.systems()) {
            systems.rows.push_back({id, s.name, s.gpu.id, std::to_string(s.gpus_per_node),
                                    std::to_string(s.scale_up_domain), s.nic ? s.nic->id : "-",
                                    std::to_string(s.nics_per_node)});
            r.json["systems"].push_back(system_json(s));
        }
        Table engines{"Serving engines (--engine)", {"id", "name", "CUDA graphs", "attention", "fuses"}, {}, {}};
        for (const auto& [id, e] : db.engines()) {
            const auto fused = model::fused_op_names(e.traits.fuses);
            engines.rows.push_back({id, e.name, e.traits.cuda_graphs ? "yes" : "no",
                                    std::string(model::to_string(e.traits.attention)),
                                    fused.empty() ? std::string("nothing") : std::to_string(fused.size()) + " of 7"});
            r.json["engines"].push_back(engine_json(e));
        }
        r.tables = {std::move(gpus),    std::move(nics),    std::move(sws),
                    std::move(cpus),    std::move(systems), std::move(engines)};
        ctx.emit(r);
    });

    auto id = std::make_shared<std::string>();
    auto* show = hw->add_subcommand("show", "Show one GPU, NIC, switch, CPU, system or serving engine");
    show->add_option("id", *id, "Hardware id")->required();
    add_format_option(show, ctx);
    show->callback([id, &ctx] {
        const auto& db = ctx.db();
        Report r;
        if (db.gpus().count(*id)) r.json = gpu_json(db.gpu(*id));
        else if (db.nics().count(*id)) r.json = nic_json(db.nic(*id));
        else if (db.switches().count(*id)) r.json = switch_json(db.fabric_switch(*id));
        else if (db.cpus().count(*id)) r.json = cpu_json(db.cpu(*id));
        else if (db.engines().count(*id)) {
            r.json = engine_json(db.engine(*id));
            r.json["source"] = db.engine(*id).source;
        }
        else (void)(r.json = system_json(db.system(*id)));  // throws with did-you-mean over systems
        r.tables.push_back(key_value_table(*id, r.json));
        ctx.emit(r);
    });
}

}  // namespace hwplan::cli
