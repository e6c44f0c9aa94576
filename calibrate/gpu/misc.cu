// Element-wise kernel bandwidth (RMSNorm-like, SiLU-mul-like), kernel launch
// latency, CUDA-graph per-node overhead, host<->device PCIe bandwidth.

#include "kernels.cuh"
#include "probe.cuh"
#include "timer.cuh"

#include <algorithm>
#include <cstring>
#include <vector>

namespace probe {

void run_elementwise() {
    State& st = state();
    // Llama-3.1-8B widths: RMSNorm over hidden 4096, SiLU-mul over 2 x 14336.
    constexpr int hidden = 4096, inter = 14336;
    const std::vector<int> rows = st.opt.quick ? std::vector<int>{1, 64, 1024, 16384}
                                               : std::vector<int>{1, 8, 64, 256, 1024, 4096, 16384, 65536};
    DeviceBuffer weight(hidden * 2);
    fill_random(weight.get(), hidden, DType::bf16, 51, 1.0f, st.stream);
    for (int kind = 0; kind < 2; ++kind) {
        const bool norm = kind == 0;
        for (int r : rows) {
            const std::size_t in_bytes = static_cast<std::size_t>(r) * (norm ? hidden : 2 * inter) * 2;
            const std::size_t out_bytes = static_cast<std::size_t>(r) * (norm ? hidden : inter) * 2;
            const std::size_t per_copy = in_bytes + out_bytes;
            const int copies = rotation_copies(per_copy);
            if (per_copy * copies > free_device_bytes() * 8 / 10) {
                skip("elementwise", "buffers do not fit", Record().text("kind", norm ? "rmsnorm" : "silu_mul").integer("rows", r));
                continue;
            }
            DeviceBuffer in(in_bytes * copies), out(out_bytes * copies);
            fill_random(in.get(), in.size() / 2, DType::bf16, 52, 1.0f, st.stream);
            const Timing t = time_gpu(st.stream, st.timing, [&](long long it) {
                const std::size_t c = static_cast<std::size_t>(it % copies);
                if (norm)
                    launch_rmsnorm(reinterpret_cast<const bf16*>(in.at(c * in_bytes)), weight.get<bf16>(),
                                   reinterpret_cast<bf16*>(out.at(c * out_bytes)), r, hidden, 1e-5f, st.stream);
                else
                    launch_silu_mul(reinterpret_cast<const bf16*>(in.at(c * in_bytes)),
                                    reinterpret_cast<bf16*>(out.at(c * out_bytes)), r, inter, st.stream);
            });
            // Bytes: input read + output written (+ the norm weight, read once).
            const double bytes = static_cast<double>(in_bytes + out_bytes) + (norm ? hidden * 2 : 0);
            Record s;
            s.text("tag", "elementwise").text("kind", norm ? "rmsnorm" : "silu_mul").text("dtype", "bf16");
            s.integer("rows", r).integer("width", norm ? hidden : inter).integer("bytes", static_cast<long long>(bytes)).timing(t);
            s.real("bandwidth_bytes_per_s", bytes / t.median).integer("buffer_copies", copies);
            add_sample(std::move(s));
            progress("elementwise", "%s rows=%d: %.2f us, %.0f GB/s", norm ? "rmsnorm" : "silu_mul", r,
                     t.median * 1e6, bytes / t.median * 1e-9);
        }
    }
}

void run_launch() {
    State& st = state();
    // GPU-side time per back-to-back empty kernel (the queue is kept full).
    TimeOptions o = st.timing;
    o.inner = 256;
    const Timing b2b = time_gpu(st.stream, o, [&](long long) { launch_empty(st.stream); });
    add_sample(Record().text("tag", "launch").text("kind", "back_to_back").timing(b2b));

    // Host cost of one cudaLaunchKernel call (the CPU side of eager mode).
    std::vector<double> host;
    const int reps = std::max(st.timing.reps, 5), n = 200;
    for (int r = 0; r < reps + 1; ++r) {
        CUDA_CHECK(cudaStreamSynchronize(st.stream));
        const double t0 = host_now_s();
        for (int i = 0; i < n; ++i) launch_empty(st.stream);
        const double t = (host_now_s() - t0) / n;
        if (r > 0) host.push_back(t);  // first round warms up
    }
    CUDA_CHECK(cudaStreamSynchronize(st.stream));
    add_sample(Record().text("tag", "launch").text("kind", "host_enqueue").timing(summarize(host, n)));

    // Launch + synchronize round trip, as seen by the host.
    std::vector<double> rt;
    for (int r = 0; r < reps + 1; ++r) {
        const int m = 50;
        const double t0 = host_now_s();
        for (int i = 0; i < m; ++i) {
            launch_empty(st.stream);
            CUDA_CHECK(cudaStreamSynchronize(st.stream));
        }
        if (r > 0) rt.push_back((host_now_s() - t0) / m);
    }
    add_sample(Record().text("tag", "launch").text("kind", "roundtrip").timing(summarize(rt, 50)));
    progress("launch", "back-to-back %.2f us, host enqueue %.2f us, round trip %.2f us", b2b.median * 1e6,
             summarize(host, n).median * 1e6, summarize(rt, 50).median * 1e6);
}

namespace {

// RAII for a captured graph and its executable.
struct Graph {
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    ~Graph() {
        if (exec) cudaGraphExecDestroy(exec);
        if (graph) cudaGraphDestroy(graph);
    }
};

}  // namespace

void run_graph() {
    State& st = state();
    const std::vector<int> nodes = st.opt.quick ? std::vector<int>{1, 10, 100, 1000}
                                                : std::vector<int>{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    launch_empty(st.stream);  // load the kernel before capturing it (drivers < 12.3)
    CUDA_CHECK(cudaStreamSynchronize(st.stream));
    for (int n : nodes) {
        Graph g;
        CUDA_CHECK(cudaStreamBeginCapture(st.stream, cudaStreamCaptureModeThreadLocal));
        for (int i = 0; i < n; ++i) launch_empty(st.stream);
        CUDA_CHECK(cudaStreamEndCapture(st.stream, &g.graph));
        CUDA_CHECK(cudaGraphInstantiateWithFlags(&g.exec, g.graph, 0));
        const Timing t = time_gpu(st.stream, st.timing, [&](long long) { CUDA_CHECK(cudaGraphLaunch(g.exec, st.stream)); });
        Record s;
        s.text("tag", "graph_node").integer("nodes", n).timing(t).real("time_s_per_node", t.median / n);
        add_sample(std::move(s));
        progress("graph", "%d empty nodes: %.2f us per replay, %.3f us per node", n, t.median * 1e6, t.median / n * 1e6);
    }
}

void run_pcie() {
    State& st = state();
    std::vector<std::size_t> sizes;
    const std::size_t max = st.opt.quick ? 256 * kMiB : kGiB;
    for (std::size_t s = st.opt.quick ? kMiB : 64 * 1024; s <= max; s *= st.opt.quick ? 16 : 4) sizes.push_back(s);
    void* host = nullptr;
    CUDA_CHECK(cudaHostAlloc(&host, max, cudaHostAllocDefault));
    struct HostFree {
        void* p;
        ~HostFree() { cudaFreeHost(p); }
    } host_guard{host};
    std::memset(host, 0x5a, max);
    DeviceBuffer dev(max);
    for (std::size_t size : sizes) {
        for (int dir = 0; dir < 2; ++dir) {
            const bool h2d = dir == 0;
            const Timing t = time_gpu(st.stream, st.timing, [&](long long) {
                if (h2d) CUDA_CHECK(cudaMemcpyAsync(dev.get(), host, size, cudaMemcpyHostToDevice, st.stream));
                else CUDA_CHECK(cudaMemcpyAsync(host, dev.get(), size, cudaMemcpyDeviceToHost, st.stream));
            });
            Record s;
            s.text("tag", h2d ? "pcie_h2d" : "pcie_d2h").text("host_memory", "pinned");
            s.integer("bytes", static_cast<long long>(size)).timing(t).real("bandwidth_bytes_per_s", size / t.median);
            add_sample(std::move(s));
            progress("pcie", "%s %zu KiB: %.1f GB/s", h2d ? "H2D" : "D2H", size / 1024, size / t.median * 1e-9);
        }
    }
}

}  // namespace probe
