// hwplan-probe-gpu: the GPU micro-kernel calibration probe. Parses the
// command line, sets up the device, runs the selected measurement families
// and prints the raw YAML (docs/calibration.md, "GPU probe output").
//
// Exit status: 0 success; 1 a CUDA / cuBLASLt / NCCL call or a data check
// failed, or the output could not be written; 2 bad usage; 3 no CUDA device.
// Nothing reaches stdout or -o FILE unless the whole run succeeded.

#include "probe.cuh"
#include "yaml_writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#ifndef HWPLAN_PROBE_GIT
#define HWPLAN_PROBE_GIT "unknown"
#endif

namespace probe {
namespace {

struct Family {
    const char* name;
    void (*run)();
    const char* what;
};

// Measurement order: cheap and robust first.
const Family kFamilies[] = {
    {"launch", run_launch, "kernel launch latency (empty kernel: back-to-back, host enqueue, round trip)"},
    {"graph", run_graph, "CUDA-graph replay time vs number of empty kernel nodes"},
    {"hbm", run_hbm, "HBM read/write/copy bandwidth vs size, and cudaMemcpy D2D"},
    {"l2", run_l2, "L2 read bandwidth (buffers that fit in L2, re-read)"},
    {"pcie", run_pcie, "host<->device copies from/to pinned memory"},
    {"elementwise", run_elementwise, "RMSNorm and SiLU-mul kernel bandwidth"},
    {"gemm", run_gemm, "cuBLASLt BF16/FP8 GEMM over M x projection shapes, best of the top algorithms"},
    {"grouped_gemm", run_grouped_gemm, "strided-batched GEMM of MoE experts (experts x m tokens each)"},
    {"attention", run_attention, "our decode-attention kernels (GQA, MLA) vs batch x context"},
    {"peer", run_peer, "peer-to-peer copies between GPUs (2+ GPUs)"},
    {"nccl", run_nccl, "NCCL all-reduce and all-to-all vs message size (2+ GPUs)"},
};

const char* const kModels[] = {"llama-3.1-8b"};

void usage(std::FILE* f) {
    std::fprintf(f,
                 "usage: hwplan-probe-gpu [--quick] [--only FAMILY,...] [--device N] [--reps N] [-o FILE]\n"
                 "       hwplan-probe-gpu --decode-step MODEL [--batch B,...] [--context C,...] [--device N] [-o FILE]\n"
                 "\n"
                 "Measures this GPU with micro-kernels and prints raw YAML for `hwplan calibrate fit`.\n"
                 "\n"
                 "options:\n"
                 "  --quick               short sweep (under a minute on an H100); default is the full run (under 3 minutes)\n"
                 "  --only LIST           measure only these families (comma-separated, see below)\n"
                 "  --device N            CUDA device index (default 0)\n"
                 "  --reps N              timed repetitions per point (default 7 quick, 15 full, 20 decode-step)\n"
                 "  -o, --output FILE     write the YAML to FILE (via FILE.tmp + rename) instead of stdout\n"
                 "  --decode-step MODEL   time a CUDA-graph-captured decode step of MODEL instead (models: llama-3.1-8b)\n"
                 "  --batch LIST          decode-step batch sizes (default 1,8,32,64)\n"
                 "  --context LIST        decode-step context lengths (default 1024,4096,16384)\n"
                 "  --version             print the probe version and exit\n"
                 "  -h, --help            print this help and exit\n"
                 "\n"
                 "families:\n");
    for (const Family& fam : kFamilies) std::fprintf(f, "  %-13s %s\n", fam.name, fam.what);
    std::fprintf(f,
                 "\n"
                 "exit status: 0 ok; 1 CUDA/cuBLASLt/NCCL error or failed data check (no output written);\n"
                 "             2 bad usage; 3 no CUDA device found\n");
}

struct UsageError {
    std::string message;
};

bool parse_int(const std::string& s, long long lo, long long hi, long long* out) {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi) return false;
    *out = v;
    return true;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = s.find(',', start);
        out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::vector<long long> parse_int_list(const std::string& flag, const std::string& s, long long lo, long long hi) {
    std::vector<long long> out;
    for (const std::string& item : split_list(s)) {
        long long v = 0;
        if (!parse_int(item, lo, hi, &v))
            throw UsageError{flag + ": '" + item + "' is not an integer in [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + "]"};
        out.push_back(v);
    }
    return out;
}

enum class Parsed { run, help, version };

Parsed parse(int argc, char** argv, Options& o) {
    o.command = "hwplan-probe-gpu";
    for (int i = 1; i < argc; ++i) o.command += std::string(" ") + argv[i];
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i], value;
        bool has_inline = false;
        if (arg.rfind("--", 0) == 0) {
            const std::size_t eq = arg.find('=');
            if (eq != std::string::npos) value = arg.substr(eq + 1), arg = arg.substr(0, eq), has_inline = true;
        }
        auto need = [&]() -> std::string {
            if (has_inline) return value;
            if (i + 1 >= argc) throw UsageError{arg + " needs a value"};
            return argv[++i];
        };
        auto no_value = [&] {
            if (has_inline) throw UsageError{arg + " takes no value"};
        };
        if (arg == "-h" || arg == "--help") {
            no_value();
            return Parsed::help;
        } else if (arg == "--version") {
            no_value();
            return Parsed::version;
        } else if (arg == "--quick" || arg == "-q") {
            no_value();
            o.quick = true;
        } else if (arg == "--only") {
            for (const std::string& f : split_list(need())) {
                bool known = false;
                for (const Family& fam : kFamilies) known = known || f == fam.name;
                if (!known) {
                    std::string list;
                    for (const Family& fam : kFamilies) list += std::string(list.empty() ? "" : ", ") + fam.name;
                    throw UsageError{"--only: unknown family '" + f + "' (known: " + list + ")"};
                }
                o.only.push_back(f);
            }
        } else if (arg == "--device") {
            long long v = 0;
            const std::string s = need();
            if (!parse_int(s, 0, 1023, &v)) throw UsageError{"--device: '" + s + "' is not a device index"};
            o.device = static_cast<int>(v);
        } else if (arg == "--reps") {
            long long v = 0;
            const std::string s = need();
            if (!parse_int(s, 3, 100000, &v)) throw UsageError{"--reps: '" + s + "' is not an integer >= 3"};
            o.reps = static_cast<int>(v);
        } else if (arg == "-o" || arg == "--output") {
            o.output = need();
            if (o.output.empty()) throw UsageError{arg + ": empty file name"};
        } else if (arg == "--decode-step") {
            o.decode_model = need();
            bool known = false;
            for (const char* m : kModels) known = known || o.decode_model == m;
            if (!known) throw UsageError{"--decode-step: unknown model '" + o.decode_model + "' (known: llama-3.1-8b)"};
        } else if (arg == "--batch") {
            o.batches = parse_int_list("--batch", need(), 1, 4096);
        } else if (arg == "--context") {
            o.contexts = parse_int_list("--context", need(), 1, 1 << 20);
        } else {
            throw UsageError{"unknown option '" + arg + "'"};
        }
    }
    if (o.decode_model.empty() && (!o.batches.empty() || !o.contexts.empty()))
        throw UsageError{"--batch and --context apply to --decode-step only"};
    if (!o.decode_model.empty() && !o.only.empty())
        throw UsageError{"--only does not apply to --decode-step"};
    return Parsed::run;
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void setup_timing(State& st) {
    const bool decode = !st.opt.decode_model.empty();
    TimeOptions t;
    t.warmup = st.opt.quick ? 1 : 2;
    t.reps = st.opt.reps ? st.opt.reps : decode ? 20 : st.opt.quick ? 7 : 15;
    t.min_reps = std::min(t.reps, 3);
    t.budget_s = st.opt.quick ? 0.05 : 0.2;
    st.timing = t;
    TimeOptions s = t;  // quick look at each algorithm / launch-shape candidate
    s.warmup = 1;
    s.reps = 3;
    s.min_reps = 2;
    s.budget_s = st.opt.quick ? 0.01 : 0.03;
    st.select = s;
}

int run(int argc, char** argv) {
    State& st = state();
    Options& o = st.opt;
    try {
        switch (parse(argc, argv, o)) {
            case Parsed::help: usage(stdout); return 0;
            case Parsed::version: std::printf("hwplan-probe-gpu %s (git %s)\n", kProbeVersion, HWPLAN_PROBE_GIT); return 0;
            case Parsed::run: break;
        }
    } catch (const UsageError& e) {
        std::fprintf(stderr, "hwplan-probe-gpu: error: %s (see --help)\n", e.message.c_str());
        return 2;
    }

    // No device (or no driver) is an expected situation on build machines:
    // one clear line and exit 3, so tests and scripts can skip.
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        std::fprintf(stderr, "hwplan-probe-gpu: no CUDA device found (cudaGetDeviceCount: %s)\n",
                     e != cudaSuccess ? (std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e)).c_str()
                                      : "0 devices");
        return 3;
    }
    if (o.device >= count) {
        std::fprintf(stderr, "hwplan-probe-gpu: error: --device %d: only %d CUDA device(s) visible (see --help)\n",
                     o.device, count);
        return 2;
    }
    if (!o.output.empty()) {
        // Fail now, not after minutes of measuring, when -o cannot be written.
        const std::string tmp = o.output + ".tmp";
        std::FILE* f = std::fopen(tmp.c_str(), "wb");
        if (!f) {
            std::fprintf(stderr, "hwplan-probe-gpu: error: -o %s: cannot create %s: %s\n", o.output.c_str(),
                         tmp.c_str(), std::strerror(errno));
            return 2;
        }
        std::fclose(f);
        std::remove(tmp.c_str());
    }

    const double t0 = [] {
        std::timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec * 1e-9;
    }();
    try {
        st.device = o.device;
        st.visible_gpus = count;
        CUDA_CHECK(cudaSetDevice(st.device));
        CUDA_CHECK(cudaGetDeviceProperties(&st.prop, st.device));
        st.sm_count = st.prop.multiProcessorCount;
        st.cc_major = st.prop.major, st.cc_minor = st.prop.minor;
        st.l2_bytes = static_cast<std::size_t>(st.prop.l2CacheSize);
        st.mem_bytes = st.prop.totalGlobalMem;
        st.max_smem_optin = static_cast<int>(st.prop.sharedMemPerBlockOptin);
        if (st.cc_major < 8) throw Failure(std::string(st.prop.name) + ": the probe needs compute capability 8.0 or newer (BF16)");
        CUDA_CHECK(cudaStreamCreateWithFlags(&st.stream, cudaStreamNonBlocking));
        LT_CHECK(cublasLtCreate(&st.lt));
        CUDA_CHECK(cudaMalloc(&st.lt_workspace, st.lt_workspace_bytes));
        setup_timing(st);

        Report& r = st.report;
        const bool decode = !o.decode_model.empty();
        r.header.text("hwplan_probe", "gpu").integer("schema_version", 1).text("probe_version", kProbeVersion);
        r.header.text("git_revision", HWPLAN_PROBE_GIT).text("date", utc_now()).text("command", o.command);
        r.header.text("mode", decode ? "decode-step" : o.quick ? "quick" : "full");
        r.settings.text("timer", "cuda_events").integer("warmup", st.timing.warmup).integer("reps", st.timing.reps);
        r.settings.integer("min_reps", st.timing.min_reps).real("point_budget_s", st.timing.budget_s);
        r.settings.real("rep_target_s", st.timing.target_rep_s).integer("select_reps", st.select.reps);
        r.settings.integer("heuristic_algos", st.heuristic_algos);
        r.settings.integer("cublaslt_workspace_bytes", static_cast<long long>(st.lt_workspace_bytes));
        r.settings.integer("l2_rotation_bytes", static_cast<long long>(3 * st.l2_bytes));
        collect_device_info(r.device);
        std::fprintf(stderr, "hwplan-probe-gpu: device %d: %s, %d SMs, %s mode\n", st.device, st.prop.name,
                     st.sm_count, decode ? "decode-step" : o.quick ? "quick" : "full");

        if (decode) {
            run_decode_step();
        } else {
            for (const Family& fam : kFamilies) {
                if (!family_enabled(fam.name)) continue;
                progress(fam.name, "start");
                fam.run();
            }
        }
        CUDA_CHECK(cudaStreamSynchronize(st.stream));
        r.device.real("sm_clock_measured_mhz", measure_sm_clock_mhz());
        std::timespec ts{};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r.header.real("elapsed_s", ts.tv_sec + ts.tv_nsec * 1e-9 - t0);
    } catch (const Failure& f) {
        std::fprintf(stderr, "hwplan-probe-gpu: error: %s\n", f.what());
        return 1;
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "hwplan-probe-gpu: error: %s\n", ex.what());
        return 1;
    }

    const std::string yaml = to_yaml(st.report);
    if (o.output.empty()) {
        if (std::fwrite(yaml.data(), 1, yaml.size(), stdout) != yaml.size() || std::fflush(stdout) != 0) {
            std::fprintf(stderr, "hwplan-probe-gpu: error: writing stdout: %s\n", std::strerror(errno));
            return 1;
        }
    } else {
        const std::string err = write_file_atomically(o.output, yaml);
        if (!err.empty()) {
            std::fprintf(stderr, "hwplan-probe-gpu: error: %s\n", err.c_str());
            return 1;
        }
        std::fprintf(stderr, "hwplan-probe-gpu: wrote %s (%zu samples)\n", o.output.c_str(), st.report.samples.size());
    }
    return 0;
}

}  // namespace
}  // namespace probe

int main(int argc, char** argv) { return probe::run(argc, argv); }
