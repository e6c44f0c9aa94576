// hwplan-probe-net: MPI network calibration probe. See docs/calibration.md
// ("Network probe") for how to run it and what every number means.
//
//   mpirun -np 16 --map-by ppr:8:node hwplan-probe-net -o net.yaml
//   hwplan calibrate fit net.yaml -o profile.yaml

#include <mpi.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "buffer.hpp"
#include "measure.hpp"
#include "options.hpp"
#include "output.hpp"
#include "placement.hpp"
#include "report.hpp"
#include "series.hpp"

// Open MPI keeps internal allocations alive past MPI_Finalize, which
// LeakSanitizer reports (and turns into exit status 1) in the sanitizer build;
// that build is there to check our memory errors, not MPI's bookkeeping.
#if defined(__SANITIZE_ADDRESS__)
#define HWPLAN_PROBE_NET_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HWPLAN_PROBE_NET_ASAN 1
#endif
#endif
#if defined(HWPLAN_PROBE_NET_ASAN)
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif

namespace hwplan::probe_net {
namespace {

std::string utc_now() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// A usage problem found after MPI_Init (by any rank): rank 0 prints it, every
// rank finalizes, and the job exits 2. Collective over the world.
bool agree_on_usage_error(const Context& ctx, const std::string& message) {
    int bad = message.empty() ? 0 : 1;
    int any = 0;
    PROBE_MPI(MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, ctx.world));
    if (!any) return false;
    if (bad && ctx.is_root()) std::fprintf(stderr, "%s: %s\n", program_name, message.c_str());
    return true;
}

Record settings_record(const Context& ctx) {
    const Budget& b = ctx.budget;
    return Record{{"warmup_iters_max", static_cast<std::int64_t>(b.warmup_iters)},
                  {"warmup_s", b.warmup_s},
                  {"min_reps", static_cast<std::int64_t>(b.min_reps)},
                  {"max_reps", static_cast<std::int64_t>(b.max_reps)},
                  {"time_per_point_s", b.time_per_point_s},
                  {"batch_s", b.batch_s},
                  {"pair_max_bytes", static_cast<std::int64_t>(pair_sizes(ctx).back())},
                  {"alltoall_buffer_cap_bytes", static_cast<std::int64_t>(alltoall_buffer_cap(ctx))}};
}

int run(Options options) {
    const std::string date = utc_now();
    Context ctx;
    ctx.options = std::move(options);
    ctx.budget = budget_for(ctx.options);
    PROBE_MPI(MPI_Comm_rank(ctx.world, &ctx.rank));
    PROBE_MPI(MPI_Comm_size(ctx.world, &ctx.size));
    set_identity(ctx.rank, "?");
    set_progress_rank(ctx.rank);

    if (ctx.size < 2) {
        if (ctx.is_root())
            std::fprintf(stderr,
                         "%s: needs at least 2 MPI ranks (e.g. mpirun -np 2 hwplan-probe-net); got %d\n",
                         program_name, ctx.size);
        return 2;
    }
    if (ctx.options.fail_at_rank >= ctx.size) {
        if (ctx.is_root())
            std::fprintf(stderr, "%s: option '--fail-at-rank': rank %d does not exist (%d ranks)\n",
                         program_name, ctx.options.fail_at_rank, ctx.size);
        return 2;
    }

    const double t_start = MPI_Wtime();
    set_activity("gathering placement");
    ctx.placement = gather_placement(ctx.world, ctx.options.fake_hosts);
    set_identity(ctx.rank, ctx.host());
    const Placement& place = ctx.placement;

    std::string usage_error;
    if (ctx.is_root() && !ctx.options.output.empty())
        if (std::string err = check_output_writable(ctx.options.output); !err.empty())
            usage_error = "option '-o': " + err;
    if (usage_error.empty() && ctx.options.gpu_buffers && place.cuda_aware == "no")
        usage_error = "--gpu-buffers: the MPI library is not CUDA-aware (" + place.cuda_aware_source + ")";
    if (agree_on_usage_error(ctx, usage_error)) return 2;

    if (ctx.options.gpu_buffers) {
        if (place.cuda_aware == "unknown")
            progress("warning: --gpu-buffers with an MPI whose CUDA support cannot be queried; "
                     "a non-CUDA-aware MPI crashes on device pointers");
        set_activity("selecting the GPU");
        select_gpu(place.ranks[static_cast<size_t>(ctx.rank)].local_rank);
        ctx.memory = Memory::gpu;
    }
    if (ctx.is_root()) install_cleanup_signal_handlers();

    progress(std::to_string(ctx.size) + " ranks on " + std::to_string(place.host_count) + " host(s); " +
             place.library.substr(0, place.library.find_first_of(",\n")) + "; " +
             (ctx.options.quick ? "quick" : "full") + " mode; " +
             (ctx.memory == Memory::gpu ? "GPU" : "host") + " buffers");

    for (const Pair& pair : representative_pairs(place)) {
        const bool member = ctx.rank == pair.a || ctx.rank == pair.b;
        MPI_Comm comm = MPI_COMM_NULL;
        set_activity("creating the communicator of " + pair_label("pair", pair));
        PROBE_MPI(MPI_Comm_split(ctx.world, member ? 0 : MPI_UNDEFINED, ctx.rank == pair.a ? 0 : 1, &comm));
        run_pingpong(ctx, pair, comm);
        run_bidir(ctx, pair, comm);
        if (comm != MPI_COMM_NULL) PROBE_MPI(MPI_Comm_free(&comm));
    }
    run_alltoall(ctx);
    run_alltoallv(ctx);

    set_activity("finishing");
    PROBE_MPI(MPI_Barrier(ctx.world));  // every rank got here: the run succeeded
    if (ctx.is_root()) {
        RunInfo info;
        info.probe_version = HWPLAN_PROBE_NET_VERSION;
        info.git_revision = HWPLAN_PROBE_NET_GIT;
        info.date = date;
        info.command = ctx.options.command;
        info.mode = ctx.options.quick ? "quick" : "full";
        info.buffers = ctx.memory == Memory::gpu ? "gpu" : "host";
        info.gpu_name = gpu_name();
        info.elapsed_s = MPI_Wtime() - t_start;
        info.timer_tick_s = MPI_Wtick();
        info.settings = settings_record(ctx);
        info.placement = &place;
        set_activity("writing the output");
        if (std::string err = write_output(ctx.options.output, render_yaml(info, ctx.samples)); !err.empty())
            fatal(err);
        char done[128];
        std::snprintf(done, sizeof done, "done: %zu samples in %.2f s%s%s", ctx.samples.size(),
                      info.elapsed_s, ctx.options.output.empty() ? "" : ", written to ",
                      ctx.options.output.c_str());
        progress(done);
    }
    return 0;
}

}  // namespace
}  // namespace hwplan::probe_net

int main(int argc, char** argv) {
    using namespace hwplan::probe_net;
    // Parsed before MPI_Init: --help and usage errors work without a working MPI runtime.
    ParsedOptions parsed = parse_options(argc, argv);
    const bool speaker = launcher_rank_is_zero();
    if (!parsed.error.empty()) {
        if (speaker) std::fprintf(stderr, "%s: %s\n", program_name, parsed.error.c_str());
        return 2;
    }
    if (parsed.options.help) {
        if (speaker) std::fputs(usage_text().c_str(), stdout);
        return 0;
    }
    if (parsed.options.version) {
        if (speaker)
            std::printf("%s %s (git %s, %s)\n", program_name, HWPLAN_PROBE_NET_VERSION, HWPLAN_PROBE_NET_GIT,
                        built_with_cuda() ? "with --gpu-buffers support" : "without CUDA");
        return 0;
    }
    if (parsed.options.gpu_buffers && !built_with_cuda()) {
        if (speaker)
            std::fprintf(stderr,
                         "%s: option '--gpu-buffers': not built with CUDA support "
                         "(rebuild with the CUDA toolkit, -DHWPLAN_PROBE_NET_CUDA=ON)\n",
                         program_name);
        return 2;
    }

    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        std::fprintf(stderr, "%s: error: MPI_Init failed\n", program_name);
        return 1;
    }
    // Errors come back as return codes, checked by PROBE_MPI, instead of the
    // default abort without saying which call failed. Derived communicators inherit it.
    if (MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN) != MPI_SUCCESS) {
        std::fprintf(stderr, "%s: error: MPI_Comm_set_errhandler failed\n", program_name);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    const int rc = run(std::move(parsed.options));
    PROBE_MPI(MPI_Finalize());
    return rc;
}
