// Raw probe files (hwdb/probe_file.hpp) and calibration profiles
// (hwdb/profile_file.hpp): the synthetic GPU probe file parses, every
// malformed file is rejected with file:line:col naming the field, profiles
// survive save -> load.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "hwdb/atomic_file.hpp"
#include "hwdb/probe_file.hpp"
#include "hwdb/profile_file.hpp"
#include "model/calibration/fit.hpp"
#include "model/error.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
namespace cal = hwplan::model::calibration;

std::string data(const std::string& name) { return std::string(HWPLAN_TEST_DATA_DIR) + "/calibration/" + name; }

std::string error_of(const std::string& file) {
    try {
        (void)hwplan::hwdb::load_probe(data(file));
    } catch (const hwplan::Error& e) {
        return e.what();
    }
    return "(no error)";
}

cal::SpecPeaks h100_spec() {
    cal::SpecPeaks s;
    s.gpu_id = "h100-sxm";
    s.bf16_flops = 989.5e12;
    s.fp8_flops = 1979e12;
    s.memory_bandwidth = 3.35e12;
    s.pcie_bandwidth = 64e9;
    s.sms = 132;
    return s;
}

}  // namespace

TEST_CASE("synthetic GPU probe file parses into samples with provenance", "[calibration][hwdb]") {
    const auto run = hwplan::hwdb::load_probe(data("synthetic-gpu-probe.yaml"));
    REQUIRE(std::holds_alternative<cal::GpuProbeRun>(run));
    const auto& g = std::get<cal::GpuProbeRun>(run);
    CHECK(g.device.name == "SYNTHETIC H100 (not measured)");
    CHECK(g.device.sm_count == 132);
    CHECK(g.device.clocks_locked == false);
    CHECK(g.device.power_limit_w == Approx(700));
    CHECK_FALSE(g.device.nccl_version);
    REQUIRE(g.device.topology);
    CHECK(g.device.topology->find("GPU0") != std::string::npos);
    CHECK(g.run.mode == "full");
    CHECK(g.run.probe_version == "0.1.0");
    CHECK(g.launches.size() == 3);
    CHECK(g.graphs.size() == 6);
    CHECK(g.gemms.size() == 2 * (8 * 14 + 1 + 10));
    CHECK(g.attention.size() == 16 + 9);
    CHECK(g.skipped.size() == 1);
    CHECK(g.ignored_samples == 0);
    const auto& first = g.gemms.front();
    CHECK(first.shape == "llama-3.1-8b.qkv");
    CHECK(first.time.p10 < first.time.median);
    CHECK(first.time.p90 > first.time.median);
}

TEST_CASE("malformed probe files are rejected with file:line:col", "[calibration][hwdb]") {
    CHECK_THAT(error_of("bad-kind.yaml"),
               Catch::Contains("bad-kind.yaml:1:15: hwplan_probe: expected gpu or net, got 'cpu'"));
    CHECK_THAT(error_of("bad-malformed.yaml"),
               Catch::Contains("bad-malformed.yaml:") && Catch::Contains("malformed YAML"));
    CHECK_THAT(
        error_of("bad-schema-newer.yaml"),
        Catch::Contains("bad-schema-newer.yaml:2:17: schema_version: version 2 is newer than this hwplan reads"));
    CHECK_THAT(error_of("bad-samples-not-list.yaml"),
               Catch::Contains("bad-samples-not-list.yaml:7:10: samples: expected a list of samples"));

    // Every problem of the file at once, each at its own place.
    const std::string e = error_of("bad-gpu-values.yaml");
    CHECK_THAT(
        e, Catch::Contains("bad-gpu-values.yaml:9:13: device.sm_count: expected a non-negative number, got 'lots'"));
    CHECK_THAT(e,
               Catch::Contains("bad-gpu-values.yaml:12:44: samples[1].time_s: expected a positive number, got 'fast'"));
    CHECK_THAT(e, Catch::Contains("bad-gpu-values.yaml:13:24: samples[2].dtype: expected bf16 or fp8, got 'fp16'"));
    CHECK_THAT(e, Catch::Contains("samples[3].bytes: missing (required)"));
    CHECK_THAT(e, Catch::Contains("samples[4].time_s: the median must lie between time_s_p10 and time_s_p90"));
    CHECK_THAT(e, !Catch::Contains("some_future_tag"));  // unknown tags are skipped, not errors

    const std::string n = error_of("bad-net-values.yaml");
    CHECK_THAT(n, Catch::Contains("bad-net-values.yaml:6:19: mpi.world_size: expected a whole number from 2"));
    CHECK_THAT(n, Catch::Contains("bad-net-values.yaml:8:33: samples[0].link_class: expected intra_host or inter_host, "
                                  "got 'same_rack'"));
    CHECK_THAT(n, Catch::Contains("samples[1].bytes: missing (required)"));
    CHECK_THAT(n, Catch::Contains("samples[2].send_bytes_per_rank: expected a positive number, got '-16'"));
}

TEST_CASE("a profile survives save and load", "[calibration][hwdb]") {
    const auto run = std::get<cal::GpuProbeRun>(hwplan::hwdb::load_probe(data("synthetic-gpu-probe.yaml")));
    cal::FitOptions o;
    o.holdout_shapes = {"deepseek-v3.q_b"};
    cal::Profile p = cal::fit_profile(&run, {}, h100_spec(), o);
    p.created = "2026-11-23T00:00:00Z";
    p.command = "hwplan calibrate fit \"synthetic\"";
    REQUIRE(p.gemm.size() == 2);
    REQUIRE(p.attention);
    REQUIRE(p.launch);
    CHECK(p.gemm[0].holdout.count == 14);

    hwplan::test::TempDir tmp;
    const fs::path file = tmp.path() / "profile.yaml";
    hwplan::hwdb::save_profile(file, p);
    const cal::Profile q = hwplan::hwdb::load_profile(file);
    REQUIRE(q.gemm.size() == p.gemm.size());
    CHECK(q.gemm[0].curve.peak_fraction == Approx(p.gemm[0].curve.peak_fraction).epsilon(1e-9));
    CHECK(q.gemm[1].curve.blend == p.gemm[1].curve.blend);
    CHECK(q.gemm[0].holdout.count == 14);
    CHECK(q.attention->memory_efficiency == Approx(p.attention->memory_efficiency).epsilon(1e-9));
    CHECK(q.launch->graph_node_s == Approx(p.launch->graph_node_s).epsilon(1e-9));
    CHECK(q.curves.size() == p.curves.size());
    CHECK(q.gpu->device.name == p.gpu->device.name);
    CHECK(q.gpu->device.topology == p.gpu->device.topology);
    CHECK(q.spec == p.spec);
    CHECK(q.command == p.command);
    // Stable format: once read back, writing and reading again changes
    // nothing (derived fields such as knee_bytes may differ in the 10th
    // digit from the first write, computed from unrounded values).
    const std::string once = hwplan::hwdb::profile_to_yaml(q);
    CHECK(hwplan::hwdb::profile_to_yaml(hwplan::hwdb::parse_profile(once, "again.yaml")) == once);
}

TEST_CASE("bad profiles are rejected with file:line:col", "[calibration][hwdb]") {
    const auto err = [](const std::string& text) {
        try {
            (void)hwplan::hwdb::parse_profile(text, "p.yaml");
        } catch (const hwplan::Error& e) {
            return std::string(e.what());
        }
        return std::string("(no error)");
    };
    CHECK_THAT(err("hwplan_profile: 9\ncreated: x\nfits: {}\n"),
               Catch::Contains("p.yaml:1:17: hwplan_profile: version 9"));
    CHECK_THAT(err("hwplan_profile: 1\ncreated: x\nfits:\n  attention: {compute_efficiency: 0.5, memory_efficiency: "
                   "0.9, fixed_s: 0, blend: 3, residuals: {count: 1, median_rel_error: 0, max_rel_error: 0, log_lo: "
                   "0.1, log_hi: 0}}\n"),
               Catch::Contains("fits.attention.blend: expected 0, 1, 2, 4, 8 or 16") &&
                   Catch::Contains("fits.attention.residuals.log_lo: must be <= 0"));
    CHECK_THAT(err("hwplan_profile: 1\ncreated: x\nfits: {}\n"), Catch::Contains("fits: no fits"));
}

TEST_CASE("fuzz regressions: a list entry without its key is not a crash", "[hwdb][calibration][hardening]") {
    // Found by tests/fuzz/fuzz_probe_file: `skipped:` / `hosts:` entries that
    // are maps without `family` / `host` threw YAML::InvalidNode past the parser.
    const std::filesystem::path dir = std::filesystem::path(HWPLAN_SOURCE_DIR) / "tests/fuzz/corpus/probe_file";
    int seen = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().filename().string().rfind("probe_file-invalid-node-", 0) != 0) continue;
        ++seen;
        INFO(entry.path().string());
        try {
            (void)hwplan::hwdb::load_probe(entry.path());
        } catch (const hwplan::Error&) {
            // a clear error is fine; anything else fails the test
        }
    }
    CHECK(seen == 2);
    const std::string text =
        "hwplan_probe: gpu\nschema_version: 1\nskipped:\n  - {reason: no device}\n  - {family: nccl}\n";
    CHECK_NOTHROW([&] {
        try {
            (void)hwplan::hwdb::parse_probe(text, "t.yaml");
        } catch (const hwplan::Error&) {
        }
    }());
}
