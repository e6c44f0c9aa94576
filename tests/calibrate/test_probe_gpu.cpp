// Tests of hwplan-probe-gpu (calibrate/gpu/). The command-line contract is
// checked everywhere; the measured run needs a CUDA device and skips with a
// warning without one (the probe then exits 3, which is what the no-device
// test checks). Built only when CMake found CUDA (HWPLAN_PROBE_GPU_BINARY).

#ifdef HWPLAN_PROBE_GPU_BINARY

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "support/run_cli.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using hwplan::test::CliResult;
using hwplan::test::run_binary;

const std::string probe = HWPLAN_PROBE_GPU_BINARY;
constexpr int kNoDevice = 3;  // documented in docs/calibration.md

struct TempDir {
    std::string path = hwplan::test::make_temp_dir("hwplan-probe-gpu");
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    [[nodiscard]] std::string file(const std::string& name) const { return (fs::path(path) / name).string(); }
    [[nodiscard]] std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
        return names;
    }
};

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST_CASE("hwplan-probe-gpu --help exits 0 and documents modes and families", "[gpu][cli]") {
    const CliResult r = run_binary(probe, {"--help"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, StartsWith("usage: hwplan-probe-gpu"));
    for (const char* word : {"--quick", "--only", "--device", "-o", "--decode-step", "--batch", "--context", "gemm",
                             "attention", "nccl"})
        CHECK_THAT(r.out, Contains(word));
}

TEST_CASE("hwplan-probe-gpu rejects bad usage with exit 2 and a message naming the flag", "[gpu][cli]") {
    struct Case {
        std::vector<std::string> args;
        std::string named;
    };
    const Case c = GENERATE(Case{{"--bogus"}, "--bogus"},                                   //
                            Case{{"--quick", "--frobnicate=3"}, "--frobnicate"},            //
                            Case{{"--only", "gemm,nosuch"}, "nosuch"},                      //
                            Case{{"--device", "minus-one"}, "--device"},                    //
                            Case{{"--reps"}, "--reps"},                                     //
                            Case{{"--batch", "8"}, "--batch"},                              //
                            Case{{"--decode-step", "gpt-2"}, "gpt-2"},                      //
                            Case{{"--decode-step", "llama-3.1-8b", "--batch", "0"}, "--batch"},
                            Case{{"--decode-step", "llama-3.1-8b", "--context", "1k"}, "--context"});
    CAPTURE(c.args);
    const CliResult r = run_binary(probe, c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("hwplan-probe-gpu: error: "));
    CHECK_THAT(r.err, Contains(c.named));
}

TEST_CASE("without a CUDA device the probe exits 3 with one clear line and writes no file", "[gpu]") {
    TempDir dir;
    const std::string out = dir.file("probe.yaml");
    // --only launch keeps this cheap where a GPU is present.
    const CliResult r = run_binary(probe, {"--quick", "--only", "launch", "-o", out});
    if (r.exit_code != kNoDevice) {
        WARN("a CUDA device is present (exit " << r.exit_code << "): the no-device path is not exercised here");
        CHECK(r.exit_code == 0);
        return;
    }
    CHECK(r.out.empty());
    CHECK_THAT(r.err, StartsWith("hwplan-probe-gpu: no CUDA device found (cudaGetDeviceCount: "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(dir.entries().empty());  // neither probe.yaml nor probe.yaml.tmp
}

TEST_CASE("with a GPU, --quick -o writes YAML with the required keys and positive times", "[gpu][slow]") {
    TempDir dir;
    const std::string out = dir.file("quick.yaml");
    const CliResult r = run_binary(probe, {"--quick", "-o", out});
    if (r.exit_code == kNoDevice) {
        WARN("no GPU: skipping the measured --quick run (" << first_line(r.err) << ")");
        return;
    }
    INFO("stderr:\n" << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());  // the YAML went to the file
    CHECK(dir.entries() == std::vector<std::string>{"quick.yaml"});
    const YAML::Node y = YAML::LoadFile(out);

    CHECK(y["hwplan_probe"].as<std::string>() == "gpu");
    CHECK(y["schema_version"].as<int>() == 1);
    CHECK(y["mode"].as<std::string>() == "quick");
    for (const char* key : {"probe_version", "git_revision", "date", "command", "elapsed_s", "settings"})
        CHECK(y[key].IsDefined());

    const YAML::Node d = y["device"];
    REQUIRE(d.IsMap());
    for (const char* key : {"index", "name", "uuid", "compute_capability", "sm_count", "sm_clock_mhz",
                            "mem_clock_mhz", "memory_bus_width_bits", "memory_bytes", "l2_bytes", "clocks_locked",
                            "power_limit_w", "driver_version", "cuda_driver_version", "cuda_runtime_version",
                            "cublaslt_version", "nccl_version", "topology", "visible_gpus",
                            "sm_clock_measured_mhz"}) {
        CAPTURE(key);
        CHECK(d[key].IsDefined());
    }
    CHECK(d["sm_count"].as<int>() > 0);
    CHECK(d["l2_bytes"].as<long long>() > 0);
    CHECK_THAT(d["uuid"].as<std::string>(), StartsWith("GPU-"));

    // Every data check of our own kernels passed (a failure would have
    // exited 1, so this guards the schema as much as the kernels).
    for (const auto& c : y["checks"]) {
        CAPTURE(c["name"].as<std::string>());
        if (c["kind"].as<std::string>() == "data") CHECK(c["passed"].as<bool>());
    }

    const YAML::Node samples = y["samples"];
    REQUIRE(samples.IsSequence());
    REQUIRE(samples.size() > 0);
    std::set<std::string> tags;
    for (const auto& s : samples) {
        const std::string tag = s["tag"].as<std::string>();
        tags.insert(tag);
        CAPTURE(tag);
        const double t = s["time_s"].as<double>();
        CHECK(std::isfinite(t));
        CHECK(t > 0);
        CHECK(s["time_s_p10"].as<double>() <= s["time_s_p90"].as<double>());
        CHECK(s["reps"].as<int>() >= 2);
        if (tag == "gemm" || tag == "grouped_gemm") {
            CHECK(s["algos_tried"].as<int>() >= 1);
            CHECK(s["algo_rank"].as<int>() >= 0);
            CHECK(s["algo_rank"].as<int>() < s["algos_returned"].as<int>());
            CHECK(s["flops"].as<double>() > 0);
        }
    }
    for (const char* tag : {"launch", "graph_node", "hbm_read", "hbm_write", "hbm_copy", "memcpy_d2d", "l2_read",
                            "pcie_h2d", "pcie_d2h", "elementwise", "gemm", "grouped_gemm", "attention_decode"}) {
        CAPTURE(tag);
        CHECK(tags.count(tag) == 1);
    }
}

#endif  // HWPLAN_PROBE_GPU_BINARY
