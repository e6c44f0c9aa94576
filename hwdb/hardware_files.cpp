#include "hwdb/hardware_files.hpp"

#include "hwdb/atomic_file.hpp"
#include "hwdb/yaml_reader.hpp"

namespace hwplan::hwdb {

namespace {

// Parses `text` as one YAML map and runs `body` over it; nullopt when this
// file added any problem.
template <class T, class Body>
std::optional<T> parse_file(std::string_view text, const std::string& file, Problems& problems, Body body) {
    const std::size_t before = problems.size();
    auto root = parse_yaml(text, file, problems);
    if (!root) return std::nullopt;
    YamlMap m(*root, file, "", problems);
    T value = body(m);
    m.finish();
    if (problems.size() != before) return std::nullopt;
    return value;
}

template <class T>
void set(T& target, const std::optional<T>& v) {
    if (v) target = *v;
}

std::optional<Reference> reference(YamlMap& m, std::string_view key, Need need) {
    auto id = m.string(key, need);
    if (!id) return std::nullopt;
    return Reference{*id, m.where(key)};
}

template <class T, class Parse>
T read_with(const std::filesystem::path& path, Parse parse) {
    const std::string text = read_file(path, kMaxInputFileBytes);
    Problems problems;
    auto value = parse(text, path.string(), path.stem().string(), problems);
    problems.throw_if_any();
    return std::move(*value);
}

}  // namespace

std::optional<model::Gpu> parse_gpu(std::string_view text, const std::string& file, std::string_view expected_id,
                                    Problems& problems) {
    return parse_file<model::Gpu>(text, file, problems, [&](YamlMap& m) {
        model::Gpu g;
        set(g.id, read_id(m, expected_id, Need::required));
        set(g.name, m.string("name", Need::required));
        set(g.vendor, m.string("vendor", Need::required));
        set(g.memory_capacity, m.bytes("memory", Need::required));
        set(g.memory_bandwidth, m.bandwidth("memory_bandwidth", Need::required));
        if (auto peak = m.map("peak", Need::required)) {
            set(g.fp32_peak, peak->compute_rate("fp32", Need::required));
            set(g.bf16_peak, peak->compute_rate("bf16", Need::required));
            set(g.fp8_peak, peak->compute_rate("fp8", Need::optional));
            set(g.fp4_peak, peak->compute_rate("fp4", Need::optional));
            set(g.int8_peak, peak->compute_rate("int8", Need::optional));
            peak->finish();
        }
        set(g.sms, m.integer("sms", Need::required, {1, 100'000}));
        set(g.l2_cache, m.bytes("l2_cache", Need::optional));
        set(g.scale_up_bandwidth, m.bandwidth("scale_up_bandwidth", Need::optional));
        set(g.pcie_bandwidth, m.bandwidth("pcie_bandwidth", Need::optional));
        set(g.tdp_watts, m.watts("tdp", Need::required));
        set(g.price_usd, m.usd("price", Need::optional));
        set(g.source, m.text_or_list("source", Need::required));
        return g;
    });
}

std::optional<model::Nic> parse_nic(std::string_view text, const std::string& file, std::string_view expected_id,
                                    Problems& problems) {
    return parse_file<model::Nic>(text, file, problems, [&](YamlMap& m) {
        using model::LinkKind;
        model::Nic n;
        set(n.id, read_id(m, expected_id, Need::required));
        set(n.name, m.string("name", Need::required));
        set(n.kind, m.choice<LinkKind>("kind", Need::required,
                                       {{"infiniband", LinkKind::infiniband},
                                        {"roce", LinkKind::roce},
                                        {"ethernet", LinkKind::ethernet}}));
        set(n.bandwidth, m.bandwidth("bandwidth", Need::required));
        set(n.ports, m.integer("ports", Need::optional, {1, 16}));
        set(n.latency, m.duration("latency", Need::required));
        set(n.price_usd, m.usd("price", Need::optional));
        set(n.power_watts, m.watts("power", Need::optional));
        set(n.source, m.text_or_list("source", Need::required));
        return n;
    });
}

std::optional<model::Switch> parse_switch(std::string_view text, const std::string& file,
                                          std::string_view expected_id, Problems& problems) {
    return parse_file<model::Switch>(text, file, problems, [&](YamlMap& m) {
        using model::LinkKind;
        model::Switch s;
        set(s.id, read_id(m, expected_id, Need::required));
        set(s.name, m.string("name", Need::required));
        set(s.kind, m.choice<LinkKind>("kind", Need::required,
                                       {{"infiniband", LinkKind::infiniband},
                                        {"roce", LinkKind::roce},
                                        {"ethernet", LinkKind::ethernet},
                                        {"nvlink", LinkKind::nvlink}}));
        set(s.ports, m.integer("ports", Need::required, {2, 100'000}));
        set(s.port_bandwidth, m.bandwidth("port_bandwidth", Need::required));
        set(s.latency, m.duration("latency", Need::required));
        set(s.price_usd, m.usd("price", Need::optional));
        set(s.power_watts, m.watts("power", Need::optional));
        set(s.source, m.text_or_list("source", Need::required));
        return s;
    });
}

std::optional<model::Cpu> parse_cpu(std::string_view text, const std::string& file, std::string_view expected_id,
                                    Problems& problems) {
    return parse_file<model::Cpu>(text, file, problems, [&](YamlMap& m) {
        model::Cpu c;
        set(c.id, read_id(m, expected_id, Need::required));
        set(c.name, m.string("name", Need::required));
        set(c.sockets, m.integer("sockets", Need::required, {1, 64}));
        set(c.cores, m.integer("cores", Need::required, {1, 1'000'000}));
        set(c.memory_capacity, m.bytes("memory", Need::required));
        set(c.memory_bandwidth, m.bandwidth("memory_bandwidth", Need::required));
        set(c.matrix_peak, m.compute_rate("matrix_peak", Need::optional));
        set(c.tdp_watts, m.watts("tdp", Need::required));
        set(c.price_usd, m.usd("price", Need::optional));
        set(c.source, m.text_or_list("source", Need::required));
        return c;
    });
}

std::optional<SystemFile> parse_system(std::string_view text, const std::string& file,
                                       std::string_view expected_id, Problems& problems) {
    return parse_file<SystemFile>(text, file, problems, [&](YamlMap& m) {
        SystemFile f;
        model::System& s = f.system;
        set(s.id, read_id(m, expected_id, Need::required));
        set(s.name, m.string("name", Need::required));
        if (auto r = reference(m, "gpu", Need::required)) f.gpu = *r;
        set(s.gpus_per_node, m.integer("gpus_per_node", Need::required, {1, 100'000}));
        set(s.scale_up_domain, m.integer("scale_up_domain", Need::required, {1, 100'000}));
        set(s.scale_up_bandwidth, m.bandwidth("scale_up_bandwidth", Need::optional));
        set(s.scale_up_latency, m.duration("scale_up_latency", Need::optional));
        f.nic = reference(m, "nic", Need::optional);
        const auto nics = m.integer("nics_per_node", Need::optional, {1, 100'000});
        const auto planes = m.integer("planes", Need::optional, {1, 64});
        f.fabric_switch = reference(m, "fabric_switch", Need::optional);
        f.host = reference(m, "host", Need::optional);
        set(s.node_overhead_watts, m.watts("node_overhead_power", Need::optional));
        set(s.price_usd, m.usd("price", Need::optional));
        set(s.price_per_gpu_hour_usd, m.usd("price_per_gpu_hour", Need::optional));
        set(s.source, m.text_or_list("source", Need::required));

        // Consistency of the node description itself; references are checked
        // by Database::load once every file is read.
        if (nics) s.nics_per_node = *nics;
        if (planes) s.planes = *planes;
        if (f.nic && !m.has("nics_per_node"))
            m.problem("nics_per_node", "required when 'nic' is given (how many NICs one node has)");
        if (!m.has("nic")) {
            if (m.has("nics_per_node")) m.problem("nics_per_node", "given without a 'nic'");
            if (m.has("fabric_switch")) m.problem("fabric_switch", "given without a 'nic' to connect to it");
            if (planes && *planes > 1) m.problem("planes", "a multi-plane fabric needs a 'nic'");
        }
        if (nics && planes && *nics % *planes != 0)
            m.problem("planes", "planes (" + std::to_string(*planes) + ") must divide nics_per_node (" +
                                    std::to_string(*nics) + ")");
        const int g = s.gpus_per_node, d = s.scale_up_domain;
        if (m.has("gpus_per_node") && m.has("scale_up_domain") && g > 0 && d > 0 && g % d != 0 && d % g != 0)
            m.problem("scale_up_domain", "scale_up_domain (" + std::to_string(d) +
                                             ") must divide gpus_per_node (" + std::to_string(g) +
                                             ") or be a multiple of it");
        return f;
    });
}

model::Gpu read_gpu_file(const std::filesystem::path& path) { return read_with<model::Gpu>(path, parse_gpu); }
model::Nic read_nic_file(const std::filesystem::path& path) { return read_with<model::Nic>(path, parse_nic); }
model::Switch read_switch_file(const std::filesystem::path& path) {
    return read_with<model::Switch>(path, parse_switch);
}
model::Cpu read_cpu_file(const std::filesystem::path& path) { return read_with<model::Cpu>(path, parse_cpu); }
SystemFile read_system_file(const std::filesystem::path& path) {
    return read_with<SystemFile>(path, parse_system);
}

}  // namespace hwplan::hwdb
