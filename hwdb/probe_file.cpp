#include "hwdb/probe_file.hpp"

#include <cmath>
#include <optional>
#include <set>

#include "hwdb/atomic_file.hpp"
#include "hwdb/gpu_device_fields.hpp"
#include "hwdb/plain_fields.hpp"
#include "hwdb/problems.hpp"
#include "hwdb/yaml_reader.hpp"
#include "hwdb/unit_parse.hpp"

namespace hwplan::hwdb {

namespace {

using namespace model::calibration;

constexpr int kSchemaVersion = 1;

// time_s (median), time_s_p10, time_s_p90, reps; p10 <= median <= p90.
std::optional<Timing> timing(PlainFields& f) {
    const auto median = f.number("time_s", Need::required);
    const auto p10 = f.number("time_s_p10", Need::optional);
    const auto p90 = f.number("time_s_p90", Need::optional);
    const auto reps = f.integer("reps", Need::optional, 1);
    if (!median) return std::nullopt;
    Timing t;
    t.median = *median;
    t.p10 = p10.value_or(*median);
    t.p90 = p90.value_or(*median);
    t.reps = reps.value_or(0);
    if (t.p10 > t.median * (1 + 1e-9) || t.p90 < t.median * (1 - 1e-9)) {
        f.problem("time_s", "the median must lie between time_s_p10 and time_s_p90");
        return std::nullopt;
    }
    return t;
}

RunInfo run_info(PlainFields& top, const std::string& file) {
    RunInfo r;
    r.file = file;
    r.probe_version = top.text("probe_version", Need::required).value_or("");
    r.git_revision = top.text("git_revision", Need::optional).value_or("unknown");
    r.date = top.text("date", Need::required).value_or("");
    r.command = top.text("command", Need::optional).value_or("");
    r.mode = top.text("mode", Need::required).value_or("");
    r.elapsed_s = top.number("elapsed_s", Need::optional, false).value_or(0);
    return r;
}

void check_header(PlainFields& top, std::string_view expected_kind, const std::string& mode,
                  std::initializer_list<std::string_view> modes) {
    if (const auto v = top.integer("schema_version", Need::required, 1, 1000); v && *v > kSchemaVersion)
        top.problem("schema_version", "version " + std::to_string(*v) + " is newer than this hwplan reads (" +
                                          std::to_string(kSchemaVersion) + "); update hwplan");
    bool known = mode.empty();
    for (auto m : modes) known = known || mode == m;
    if (!known) top.problem("mode", "unknown " + std::string(expected_kind) + " probe mode '" + mode + "'");
}

// ------------------------------------------------------------------- GPU

void gpu_sample(PlainFields& s, const std::string& tag, GpuProbeRun& run) {
    static const std::set<std::string, std::less<>> transfers = {"hbm_read",   "hbm_write", "hbm_copy",
                                                                 "memcpy_d2d", "l2_read",   "pcie_h2d",
                                                                 "pcie_d2h",   "peer_copy", "elementwise"};
    if (transfers.contains(tag)) {
        TransferSample t;
        t.tag = tag;
        if (tag == "elementwise") t.kind = s.text("kind", Need::required).value_or("");
        const auto bytes = s.number("bytes", Need::required);
        const auto time = timing(s);
        if (!bytes || !time) return;
        t.bytes = *bytes;
        t.time = *time;
        run.transfers.push_back(std::move(t));
    } else if (tag == "gemm" || tag == "grouped_gemm") {
        GemmSample g;
        const auto dtype = s.text("dtype", Need::required);
        if (dtype && *dtype != "bf16" && *dtype != "fp8")
            s.problem("dtype", "expected bf16 or fp8, got '" + shown(*dtype) + "'");
        g.dtype = dtype && *dtype == "fp8" ? model::DType::fp8 : model::DType::bf16;
        g.shape = s.text("shape", Need::optional).value_or("");
        const auto m = s.number("m", Need::required), n = s.number("n", Need::required),
                   k = s.number("k", Need::required);
        const auto experts =
            tag == "grouped_gemm" ? s.integer("experts", Need::required, 1, 1'000'000) : std::optional<int>(1);
        const auto time = timing(s);
        if (!m || !n || !k || !experts || !time) return;
        g.m = *m;
        g.n = *n;
        g.k = *k;
        g.experts = *experts;
        g.time = *time;
        run.gemms.push_back(std::move(g));
    } else if (tag == "attention_decode") {
        AttentionSample a;
        a.layout = s.text("layout", Need::required).value_or("");
        if (!a.layout.empty() && a.layout != "gqa" && a.layout != "mla")
            s.problem("layout", "expected gqa or mla, got '" + a.layout + "'");
        const auto batch = s.integer("batch", Need::required, 1), context = s.integer("context", Need::required, 1);
        const auto q = s.integer("q_heads", Need::optional, 1), kv = s.integer("kv_heads", Need::optional, 1);
        const auto hd = s.integer("head_dim", Need::optional, 1), vhd = s.integer("v_head_dim", Need::optional, 1);
        const auto splits = s.integer("splits", Need::optional, 1);
        const auto kvb = s.number("kv_bytes", Need::required), bytes = s.number("bytes", Need::required);
        const auto flops = s.number("flops", Need::required);
        const auto time = timing(s);
        if (!batch || !context || !kvb || !bytes || !flops || !time) return;
        a.batch = *batch;
        a.context = *context;
        a.q_heads = q.value_or(0);
        a.kv_heads = kv.value_or(0);
        a.head_dim = hd.value_or(0);
        a.v_head_dim = vhd.value_or(0);
        a.splits = splits.value_or(1);
        a.kv_bytes = *kvb;
        a.bytes = *bytes;
        a.flops = *flops;
        a.time = *time;
        run.attention.push_back(std::move(a));
    } else if (tag == "launch") {
        LaunchSample l;
        l.kind = s.text("kind", Need::required).value_or("");
        const auto time = timing(s);
        if (!time) return;
        l.time = *time;
        run.launches.push_back(std::move(l));
    } else if (tag == "graph_node") {
        const auto nodes = s.integer("nodes", Need::required, 1);
        const auto time = timing(s);
        if (!nodes || !time) return;
        run.graphs.push_back({*nodes, *time});
    } else if (tag == "nccl_all_reduce" || tag == "nccl_all_to_all") {
        const auto ranks = s.integer("ranks", Need::required, 2);
        const auto bytes = s.number("bytes", Need::required);
        const auto time = timing(s);
        if (!ranks || !bytes || !time) return;
        run.nccl.push_back({tag, *ranks, *bytes, *time});
    } else if (tag == "decode_step") {
        DecodeStepSample d;
        d.model = s.text("model", Need::required).value_or("");
        const auto batch = s.integer("batch", Need::required, 1), context = s.integer("context", Need::required, 1);
        const auto time = timing(s);
        d.qkv_s = s.number("qkv_time_s", Need::optional).value_or(0);
        d.o_s = s.number("o_time_s", Need::optional).value_or(0);
        d.gate_up_s = s.number("gate_up_time_s", Need::optional).value_or(0);
        d.down_s = s.number("down_time_s", Need::optional).value_or(0);
        d.lm_head_s = s.number("lm_head_time_s", Need::optional).value_or(0);
        d.attention_s = s.number("attention_time_s", Need::optional).value_or(0);
        if (!batch || !context || !time) return;
        d.batch = *batch;
        d.context = *context;
        d.time = *time;
        run.decode_steps.push_back(std::move(d));
    } else {
        ++run.ignored_samples;
    }
}

GpuProbeRun gpu_run(const YAML::Node& root, PlainFields& top, const std::string& file, Problems& problems) {
    GpuProbeRun run;
    run.run = run_info(top, file);
    check_header(top, "gpu", run.run.mode, {"quick", "full", "decode-step"});
    if (auto d = top.child("device", Need::required)) {
        PlainFields dev(*d, file, "device", problems);
        if (dev.ok()) run.device = read_gpu_device(dev, false);
    }
    if (auto sk = top.child("skipped", Need::optional); sk && sk->IsSequence())
        for (const auto& e : *sk) {
            if (!e.IsMap()) continue;
            // A missing key of a const map is an invalid node: test it before
            // asking its type (IsScalar() on it throws).
            const YAML::Node family = e["family"];
            const YAML::Node reason = e["reason"];
            if (family && family.IsScalar())
                run.skipped.push_back(family.Scalar() + ": " +
                                      (reason && reason.IsScalar() ? reason.Scalar() : std::string()));
        }
    const auto samples = top.child("samples", Need::required);
    if (!samples) return run;
    if (!samples->IsSequence()) {
        top.problem("samples", "expected a list of samples");
        return run;
    }
    (void)root;
    std::size_t i = 0;
    for (const auto& node : *samples) {
        PlainFields s(node, file, "samples[" + std::to_string(i++) + "]", problems);
        if (!s.ok()) continue;
        const auto tag = s.text("tag", Need::required);
        if (tag) gpu_sample(s, *tag, run);
    }
    return run;
}

// ------------------------------------------------------------------- net

NetProbeRun net_run(PlainFields& top, const std::string& file, Problems& problems) {
    NetProbeRun run;
    run.run = run_info(top, file);
    check_header(top, "net", run.run.mode, {"quick", "full"});
    run.buffers = top.text("buffers", Need::optional).value_or("host");
    run.gpu_name = top.text("gpu_name", Need::optional).value_or("");
    if (auto m = top.child("mpi", Need::required)) {
        PlainFields mpi(*m, file, "mpi", problems);
        if (mpi.ok()) {
            run.mpi.library = mpi.text("library", Need::optional).value_or("");
            run.mpi.world_size = mpi.integer("world_size", Need::required, 2, 10'000'000).value_or(0);
            run.mpi.host_count = mpi.integer("host_count", Need::required, 1, 10'000'000).value_or(0);
            run.mpi.fake_hosts = mpi.integer("fake_hosts", Need::optional, 0, 10'000'000).value_or(0);
            run.mpi.cuda_aware = mpi.text("cuda_aware", Need::optional).value_or("unknown");
            if (auto hosts = mpi.child("hosts", Need::optional); hosts && hosts->IsSequence()) {
                std::set<std::string> seen;
                for (const auto& h : *hosts) {
                    if (!h.IsMap()) continue;
                    const YAML::Node host = h["host"];  // invalid when missing: test before IsScalar()
                    if (host && host.IsScalar() && seen.insert(host.Scalar()).second)
                        run.mpi.hosts.push_back(host.Scalar());
                }
            }
        }
    }
    const auto samples = top.child("samples", Need::required);
    if (!samples) return run;
    if (!samples->IsSequence()) {
        top.problem("samples", "expected a list of samples");
        return run;
    }
    std::size_t i = 0;
    for (const auto& node : *samples) {
        PlainFields s(node, file, "samples[" + std::to_string(i++) + "]", problems);
        if (!s.ok()) continue;
        const auto tag = s.text("tag", Need::required);
        if (!tag) continue;
        if (*tag == "pingpong" || *tag == "bidir") {
            LinkSample l;
            l.tag = *tag;
            l.link_class = s.text("link_class", Need::required).value_or("");
            if (!l.link_class.empty() && l.link_class != "intra_host" && l.link_class != "inter_host")
                s.problem("link_class", "expected intra_host or inter_host, got '" + l.link_class + "'");
            if (auto r = s.child("ranks", Need::optional); r && r->IsSequence() && r->size() == 2) {
                l.rank_a = (*r)[0].as<int>(0);
                l.rank_b = (*r)[1].as<int>(0);
            }
            const auto bytes = s.number("bytes", Need::required);
            const auto time = timing(s);
            if (!bytes || !time) continue;
            l.bytes = *bytes;
            l.time = *time;
            run.links.push_back(std::move(l));
        } else if (*tag == "alltoall" || *tag == "alltoallv") {
            AllToAllSample a;
            a.tag = *tag;
            a.sweep = s.text("sweep", Need::required).value_or("");
            if (!a.sweep.empty() && a.sweep != "general" && a.sweep != "ep")
                s.problem("sweep", "expected general or ep, got '" + a.sweep + "'");
            const auto ranks = s.integer("ranks", Need::required, 2, 10'000'000);
            const auto hosts = s.integer("hosts", Need::optional, 1, 10'000'000);
            const auto bytes = s.number("send_bytes_per_rank", Need::required);
            const auto time = timing(s);
            if (!ranks || !bytes || !time) continue;
            a.ranks = *ranks;
            a.hosts = hosts.value_or(1);
            a.send_bytes_per_rank = *bytes;
            a.time = *time;
            run.alltoall.push_back(std::move(a));
        } else {
            ++run.ignored_samples;
        }
    }
    return run;
}

}  // namespace

ProbeRun parse_probe(std::string_view text, const std::string& file) {
    Problems problems;
    const auto root = parse_yaml(text, file, problems);
    problems.throw_if_any();
    PlainFields top(*root, file, "", problems);
    const auto kind = top.text("hwplan_probe", Need::required);
    if (!kind) problems.throw_if_any();
    ProbeRun out;
    if (*kind == "gpu") {
        out = gpu_run(*root, top, file, problems);
        const auto& g = std::get<GpuProbeRun>(out);
        if (problems.empty() && g.transfers.empty() && g.gemms.empty() && g.attention.empty() && g.launches.empty() &&
            g.graphs.empty() && g.nccl.empty() && g.decode_steps.empty())
            problems.add(top.where(), "samples: no samples this hwplan can use");
    } else if (*kind == "net") {
        out = net_run(top, file, problems);
        const auto& n = std::get<NetProbeRun>(out);
        if (problems.empty() && n.links.empty() && n.alltoall.empty())
            problems.add(top.where(), "samples: no samples this hwplan can use");
    } else {
        top.problem("hwplan_probe", "expected gpu or net, got '" + shown(*kind) + "' (is this a probe output file?)");
    }
    problems.throw_if_any();
    return out;
}

ProbeRun load_probe(const std::filesystem::path& path) {
    return parse_probe(read_file(path, 64u << 20), path.string());
}

}  // namespace hwplan::hwdb
