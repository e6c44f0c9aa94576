// Tests of hwplan-probe-net (calibrate/net/), run through the MPI launcher the
// build found (HWPLAN_MPIEXEC). They need a working `mpirun -np 2` on this
// host: if the launcher cannot start the job, the tests FAIL rather than skip
// (CI has Open MPI installed). About 6 s in total.

#ifdef HWPLAN_PROBE_NET_BINARY

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/run_cli.hpp"

namespace {

namespace fs = std::filesystem;
using hwplan::test::CliResult;
using hwplan::test::run_binary;

const std::string probe = HWPLAN_PROBE_NET_BINARY;
const std::string mpiexec = HWPLAN_MPIEXEC;

// Open MPI refuses to run as root (CI runs as root) and to start more ranks
// than cores (this box has 2) without these flags; other launchers get none.
const std::vector<std::string>& launcher_flags() {
    static const std::vector<std::string> flags = [] {
        // Containers often forbid the cross-memory-attach (ptrace) single copy
        // of Open MPI's shared-memory transport; the copy-in/copy-out path
        // works everywhere. Only the tests set this (and only if CI did not).
        ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
        const CliResult v = run_binary(mpiexec, {"--version"});
        if (v.out.find("Open MPI") != std::string::npos || v.out.find("OpenRTE") != std::string::npos)
            return std::vector<std::string>{"--allow-run-as-root", "--oversubscribe"};
        return std::vector<std::string>{};
    }();
    return flags;
}

CliResult run_probe(int ranks, const std::vector<std::string>& probe_args) {
    INFO("HWPLAN_MPIEXEC is empty: CMake found no MPI launcher");
    REQUIRE_FALSE(mpiexec.empty());
    std::vector<std::string> args = launcher_flags();
    args.insert(args.end(), {"-np", std::to_string(ranks), probe});
    args.insert(args.end(), probe_args.begin(), probe_args.end());
    return run_binary(mpiexec, args);
}

std::string describe(const CliResult& r) {
    return "exit code " + std::to_string(r.exit_code) + "\n--- stderr ---\n" + r.err;
}

struct TempDir {
    std::string path = hwplan::test::make_temp_dir("hwplan-probe-net");
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

// One quick run on 2 ranks, shared by the schema and physics tests below.
struct QuickRun {
    CliResult result;
    YAML::Node doc;
    bool file_existed = false;
    std::vector<std::string> leftovers;  // directory entries other than the output
};

const QuickRun& quick_run() {
    static const QuickRun run = [] {
        QuickRun q;
        TempDir dir;
        const std::string out = dir.file("net.yaml");
        q.result = run_probe(2, {"--quick", "-o", out});
        q.file_existed = fs::exists(out);
        if (q.file_existed) q.doc = YAML::LoadFile(out);
        for (const auto& name : dir.entries())
            if (name != "net.yaml") q.leftovers.push_back(name);
        return q;
    }();
    return run;
}

const QuickRun& checked_quick_run() {
    const QuickRun& q = quick_run();
    INFO(describe(q.result));
    REQUIRE(q.result.exit_code == 0);
    REQUIRE(q.file_existed);
    return q;
}

std::vector<YAML::Node> samples_where(const YAML::Node& doc, const std::string& tag,
                                      const std::map<std::string, std::string>& match = {}) {
    std::vector<YAML::Node> out;
    for (const auto& s : doc["samples"]) {
        if (s["tag"].as<std::string>() != tag) continue;
        bool ok = true;
        for (const auto& [k, v] : match) ok = ok && s[k] && s[k].as<std::string>() == v;
        if (ok) out.push_back(s);
    }
    return out;
}

// Times must be physical: positive, finite, inside their own spread.
void check_times(const YAML::Node& s) {
    CAPTURE(YAML::Dump(s));
    const double t = s["time_s"].as<double>();
    REQUIRE(std::isfinite(t));
    REQUIRE(t > 0);
    REQUIRE(s["time_s_p10"].as<double>() > 0);
    REQUIRE(s["time_s_p10"].as<double>() <= t);
    REQUIRE(t <= s["time_s_p90"].as<double>());
    REQUIRE(s["reps"].as<int>() >= 5);
    REQUIRE(s["iters_per_rep"].as<int>() >= 1);
}

// Time grows with size. Strictly between neighbours (4x apart in --quick) from
// `strict_from` bytes up, where bandwidth dominates; below it latency and noise
// dominate (a loaded CI box can stretch any one small point), so there the
// check is only that the largest size is well above the fastest small one.
void check_grows_with_size(const std::vector<std::pair<double, double>>& size_time, double strict_from) {
    REQUIRE(size_time.size() >= 4);
    double fastest_small = 1e300;
    for (size_t i = 0; i < size_time.size(); ++i) {
        const auto [n1, t1] = size_time[i];
        if (n1 < strict_from) fastest_small = std::min(fastest_small, t1);
        if (i == 0) continue;
        const auto [n0, t0] = size_time[i - 1];
        CAPTURE(n0, t0, n1, t1);
        REQUIRE(n1 > n0);
        if (n0 >= strict_from) REQUIRE(t1 > t0);
    }
    CAPTURE(fastest_small, size_time.back().second);
    REQUIRE(size_time.back().second > 10 * fastest_small);
}

}  // namespace

TEST_CASE("probe-net --quick on 2 ranks writes the raw YAML schema to -o and nothing else", "[mpi]") {
    const QuickRun& q = checked_quick_run();
    const YAML::Node& d = q.doc;
    CHECK(q.result.out.empty());  // with -o, stdout stays clean
    CHECK(q.leftovers.empty());   // no FILE.tmp left behind
    CHECK(q.result.err.find("hwplan-probe-net: done") != std::string::npos);

    CHECK(d["hwplan_probe"].as<std::string>() == "net");
    CHECK(d["schema_version"].as<int>() == 1);
    CHECK(d["probe_version"].as<std::string>() == "0.1.0");
    CHECK(d["date"].as<std::string>().size() == 20);  // 2026-11-23T10:00:00Z
    CHECK(d["command"].as<std::string>().find("hwplan-probe-net --quick -o ") == 0);
    CHECK(d["mode"].as<std::string>() == "quick");
    CHECK(d["buffers"].as<std::string>() == "host");
    CHECK(d["elapsed_s"].as<double>() > 0);

    const YAML::Node mpi = d["mpi"];
    REQUIRE(mpi);
    CHECK_FALSE(mpi["library"].as<std::string>().empty());
    CHECK(mpi["world_size"].as<int>() == 2);
    CHECK(mpi["host_count"].as<int>() == 1);
    const std::set<std::string> cuda_answers{"yes", "no", "unknown"};
    CHECK(cuda_answers.count(mpi["cuda_aware"].as<std::string>()) == 1);
    REQUIRE(mpi["hosts"].size() == 2);
    for (int r = 0; r < 2; ++r) {
        const YAML::Node h = mpi["hosts"][r];
        CHECK(h["rank"].as<int>() == r);
        CHECK(h["local_rank"].as<int>() == r);
        CHECK(h["host"].as<std::string>() == mpi["hosts"][0]["host"].as<std::string>());
    }

    std::map<std::string, int> count;
    for (const auto& s : d["samples"]) {
        ++count[s["tag"].as<std::string>()];
        check_times(s);
    }
    CHECK(count["pingpong"] >= 10);
    CHECK(count["bidir"] >= 10);
    CHECK(count["alltoall"] >= 12);
    CHECK(count["alltoallv"] >= 12);
    CHECK(count.size() == 4);
}

TEST_CASE("probe-net ping-pong: one-way time grows with message size, same-host link", "[mpi]") {
    const QuickRun& q = checked_quick_run();
    const auto pp = samples_where(q.doc, "pingpong");
    std::vector<std::pair<double, double>> size_time;
    for (const auto& s : pp) {
        CAPTURE(YAML::Dump(s));
        CHECK(s["link_class"].as<std::string>() == "intra_host");
        CHECK(s["ranks"].as<std::vector<int>>() == std::vector<int>{0, 1});
        const double bytes = s["bytes"].as<double>();
        const double t = s["time_s"].as<double>();
        CHECK_THAT(s["bandwidth_bytes_per_s"].as<double>(), Catch::Matchers::WithinRel(bytes / t, 1e-5));
        size_time.emplace_back(bytes, t);
    }
    REQUIRE(size_time.front().first == 8);
    REQUIRE(size_time.back().first >= 8 << 20);
    check_grows_with_size(size_time, 32 << 10);

    for (const auto& s : samples_where(q.doc, "bidir")) {
        const double bytes = s["bytes"].as<double>();
        CHECK_THAT(s["bandwidth_bytes_per_s"].as<double>(),
                   Catch::Matchers::WithinRel(2 * bytes / s["time_s"].as<double>(), 1e-5));
    }
}

TEST_CASE("probe-net all-to-all: time grows with bytes per peer; EP sizes of 32..256 tokens x 7168", "[mpi]") {
    const QuickRun& q = checked_quick_run();
    std::vector<std::pair<double, double>> size_time;
    for (const auto& s : samples_where(q.doc, "alltoall", {{"sweep", "general"}})) {
        CHECK(s["ranks"].as<int>() == 2);
        CHECK(s["send_bytes_per_rank"].as<double>() == 2 * s["bytes_per_peer"].as<double>());
        const double algbw = s["send_bytes_per_rank"].as<double>() / s["time_s"].as<double>();
        CHECK_THAT(s["algbw_bytes_per_s"].as<double>(), Catch::Matchers::WithinRel(algbw, 1e-5));
        CHECK_THAT(s["busbw_bytes_per_s"].as<double>(), Catch::Matchers::WithinRel(algbw / 2, 1e-5));
        size_time.emplace_back(s["bytes_per_peer"].as<double>(), s["time_s"].as<double>());
    }
    check_grows_with_size(size_time, 8 << 10);

    // Dispatch (FP8, 1 B) and combine (BF16, 2 B) of 32..256 tokens, split over 2 ranks.
    std::set<std::pair<int, int>> seen;
    for (const auto& s : samples_where(q.doc, "alltoall", {{"sweep", "ep"}})) {
        const int tokens = s["tokens"].as<int>();
        const int element = s["element_bytes"].as<int>();
        CHECK(s["hidden"].as<int>() == 7168);
        CHECK(s["bytes_per_peer"].as<long>() == tokens * 7168L * element / 2);
        seen.insert({tokens, element});
    }
    CHECK(seen == std::set<std::pair<int, int>>{{32, 1}, {64, 1}, {128, 1}, {256, 1},
                                                {32, 2}, {64, 2}, {128, 2}, {256, 2}});

    const auto v = samples_where(q.doc, "alltoallv");
    REQUIRE(v.size() >= 12);
    for (const auto& s : v) {
        CAPTURE(YAML::Dump(s));
        const double mean = s["bytes_per_peer_mean"].as<double>();
        const double max = s["bytes_per_peer_max"].as<double>();
        CHECK(max > mean);  // the counts are skewed
        CHECK_THAT(s["send_bytes_per_rank"].as<double>(), Catch::Matchers::WithinRel(2 * mean, 1e-9));
        CHECK(s["recv_bytes_max_rank"].as<double>() == 2 * max);
    }
}

TEST_CASE("probe-net on 4 ranks over 2 (pretend) hosts samples both link classes, YAML on stdout", "[mpi]") {
    const CliResult r = run_probe(4, {"--quick", "--fake-hosts", "2", "--max-bytes", "1Mi"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const YAML::Node d = YAML::Load(r.out);
    CHECK(d["mpi"]["world_size"].as<int>() == 4);
    CHECK(d["mpi"]["host_count"].as<int>() == 2);
    CHECK(d["mpi"]["fake_hosts"].as<int>() == 2);
    const auto intra = samples_where(d, "pingpong", {{"link_class", "intra_host"}});
    const auto inter = samples_where(d, "pingpong", {{"link_class", "inter_host"}});
    REQUIRE_FALSE(intra.empty());
    REQUIRE_FALSE(inter.empty());
    CHECK(intra[0]["ranks"].as<std::vector<int>>() == std::vector<int>{0, 1});
    CHECK(inter[0]["ranks"].as<std::vector<int>>() == std::vector<int>{0, 2});
    CHECK(intra.back()["bytes"].as<long>() == 1 << 20);  // --max-bytes
    CHECK_FALSE(samples_where(d, "bidir", {{"link_class", "inter_host"}}).empty());
    for (const auto& s : samples_where(d, "alltoall")) CHECK(s["ranks"].as<int>() == 4);
}

TEST_CASE("probe-net on 1 rank says it needs 2 and exits 2 without output", "[mpi]") {
    TempDir dir;
    const std::string out = dir.file("net.yaml");
    const CliResult r = run_probe(1, {"--quick", "-o", out});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("hwplan-probe-net: needs at least 2 MPI ranks (e.g. mpirun -np 2 hwplan-probe-net); got 1") !=
          std::string::npos);
    CHECK(r.out.empty());
    CHECK(dir.entries().empty());
}

TEST_CASE("probe-net: a rank failing mid-run fails the job, says so, and leaves no output file", "[mpi]") {
    const std::string mode = GENERATE(as<std::string>{}, "exit", "kill", "mpi-error");
    CAPTURE(mode);
    TempDir dir;
    const std::string out = dir.file("net.yaml");
    const CliResult r = run_probe(2, {"--quick", "-o", out, "--fail-at-rank", "1", "--fail-after", "5",
                                      "--fail-mode", mode});
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("rank 1 on ") != std::string::npos);
    CHECK(r.err.find("--fail-at-rank testing aid") != std::string::npos);
    if (mode == "mpi-error") {
        // The checked-call path: which call failed, on which rank, doing what.
        CHECK(r.err.find("hwplan-probe-net: error: rank 1 on ") != std::string::npos);
        CHECK(r.err.find("MPI_Send failed: ") != std::string::npos);
        CHECK(r.err.find("(during pingpong intra_host ranks 0-1, ") != std::string::npos);
    }
    CHECK(r.out.empty());
    CHECK(dir.entries().empty());  // neither net.yaml nor net.yaml.tmp
}

TEST_CASE("probe-net rejects a bad flag with exit 2, naming it; --help exits 0", "[mpi]") {
    SECTION("run directly") {
        const CliResult r = run_binary(probe, {"--quick", "--bogus"});
        CHECK(r.exit_code == 2);
        CHECK(r.err == "hwplan-probe-net: unknown option '--bogus' (see --help)\n");
    }
    SECTION("under the launcher, printed once") {
        const CliResult r = run_probe(2, {"--bogus"});
        INFO(describe(r));
        CHECK(r.exit_code == 2);
        const auto first = r.err.find("unknown option '--bogus'");
        REQUIRE(first != std::string::npos);
        CHECK(r.err.find("unknown option '--bogus'", first + 1) == std::string::npos);
    }
    SECTION("a bad value names its flag") {
        const CliResult r = run_binary(probe, {"--max-bytes", "lots"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("'--max-bytes'") != std::string::npos);
        CHECK(r.err.find("'lots'") != std::string::npos);
    }
    SECTION("a missing value names its flag") {
        const CliResult r = run_binary(probe, {"-o"});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("option '-o' needs a value") != std::string::npos);
    }
    SECTION("--help") {
        const CliResult r = run_binary(probe, {"--help"});
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("Usage: mpirun -np N") == 0);
        CHECK(r.out.find("--fail-at-rank") != std::string::npos);
    }
}

#endif  // HWPLAN_PROBE_NET_BINARY
