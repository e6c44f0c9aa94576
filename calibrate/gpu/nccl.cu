// With 2+ visible GPUs: peer copy bandwidth (cudaMemcpyPeer) and NCCL
// all-reduce / all-to-all vs message size, single process, one communicator
// per device (ncclCommInitAll) driven with group calls, as nccl-tests does in
// its single-process mode. Bus bandwidth uses nccl-tests' normalisation:
// all-reduce 2(n-1)/n, all-to-all (n-1)/n times the algorithm bandwidth.

#include "probe.cuh"
#include "timer.cuh"

#ifdef HWPLAN_PROBE_HAVE_NCCL
#include <nccl.h>
#endif

#include <algorithm>
#include <cmath>
#include <vector>

namespace probe {

void run_peer() {
    State& st = state();
    const int n = st.visible_gpus;
    if (n < 2) {
        skip("peer", "1 visible GPU; peer copies need 2 or more");
        return;
    }
    std::vector<std::size_t> sizes;
    for (std::size_t s = kMiB; s <= (st.opt.quick ? 256 * kMiB : kGiB); s *= st.opt.quick ? 16 : 4) sizes.push_back(s);
    const std::size_t max = sizes.back();
    // Device 0 (the --device one) to every other device, both directions.
    const int src = st.device;
    for (int dst = 0; dst < n; ++dst) {
        if (dst == src) continue;
        if (st.opt.quick && dst != (src + 1) % n) continue;
        int can01 = 0, can10 = 0;
        CUDA_CHECK(cudaDeviceCanAccessPeer(&can01, src, dst));
        CUDA_CHECK(cudaDeviceCanAccessPeer(&can10, dst, src));
        auto enable = [](int from, int to) {
            CUDA_CHECK(cudaSetDevice(from));
            const cudaError_t e = cudaDeviceEnablePeerAccess(to, 0);
            if (e == cudaErrorPeerAccessAlreadyEnabled) (void)cudaGetLastError();
            else CUDA_CHECK(e);
        };
        if (can01) enable(src, dst);
        if (can10) enable(dst, src);
        CUDA_CHECK(cudaSetDevice(dst));
        DeviceBuffer remote(max);
        CUDA_CHECK(cudaSetDevice(src));
        DeviceBuffer local(max);
        for (std::size_t size : sizes)
            for (int dir = 0; dir < 2; ++dir) {
                const int from = dir == 0 ? src : dst, to = dir == 0 ? dst : src;
                void* from_p = dir == 0 ? local.get() : remote.get();
                void* to_p = dir == 0 ? remote.get() : local.get();
                const Timing t = time_gpu(st.stream, st.timing, [&](long long) {
                    CUDA_CHECK(cudaMemcpyPeerAsync(to_p, to, from_p, from, size, st.stream));
                });
                Record s;
                s.text("tag", "peer_copy").integer("src_device", from).integer("dst_device", to);
                s.boolean("peer_access", dir == 0 ? can01 != 0 : can10 != 0);
                s.integer("bytes", static_cast<long long>(size)).timing(t).real("bandwidth_bytes_per_s", size / t.median);
                add_sample(std::move(s));
                progress("peer", "%d -> %d %zu MiB: %.1f GB/s", from, to, size / kMiB, size / t.median * 1e-9);
            }
    }
    CUDA_CHECK(cudaSetDevice(st.device));
}

#ifndef HWPLAN_PROBE_HAVE_NCCL

void run_nccl() {
    if (state().visible_gpus < 2) skip("nccl", "1 visible GPU; collectives need 2 or more");
    else skip("nccl", "built without NCCL (nccl.h / libnccl not found at configure time)");
}

std::string nccl_version_string() { return {}; }

#else

#define NCCL_CHECK(call)                                                                                 \
    do {                                                                                                 \
        ncclResult_t probe_r_ = (call);                                                                  \
        if (probe_r_ != ncclSuccess) ::probe::fail_call(#call, __FILE__, __LINE__, ncclGetErrorString(probe_r_)); \
    } while (0)

std::string nccl_version_string() {
    int v = 0;
    if (ncclGetVersion(&v) != ncclSuccess) return {};
    // NCCL >= 2.9 encodes major * 10000 + minor * 100 + patch.
    const int major = v >= 10000 ? v / 10000 : v / 1000, minor = v >= 10000 ? (v % 10000) / 100 : (v % 1000) / 100,
              patch = v % 100;
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

namespace {

struct Rank {
    int device = 0;
    cudaStream_t stream = nullptr;
    ncclComm_t comm = nullptr;
    DeviceBuffer send, recv;
};

struct Ranks {
    std::vector<Rank> r;
    ~Ranks() {
        for (auto& x : r) {
            cudaSetDevice(x.device);
            if (x.comm) ncclCommDestroy(x.comm);
            if (x.stream) cudaStreamDestroy(x.stream);
            x.send = DeviceBuffer();
            x.recv = DeviceBuffer();
        }
    }
};

void all_reduce(Ranks& ranks, std::size_t count, ncclDataType_t type) {
    NCCL_CHECK(ncclGroupStart());
    for (auto& x : ranks.r)
        NCCL_CHECK(ncclAllReduce(x.send.get(), x.recv.get(), count, type, ncclSum, x.comm, x.stream));
    NCCL_CHECK(ncclGroupEnd());
}

// Every rank sends count/n elements to every rank (itself included).
void all_to_all(Ranks& ranks, std::size_t count, ncclDataType_t type, std::size_t elem) {
    const int n = static_cast<int>(ranks.r.size());
    const std::size_t chunk = count / n;
    NCCL_CHECK(ncclGroupStart());
    for (auto& x : ranks.r)
        for (int peer = 0; peer < n; ++peer) {
            NCCL_CHECK(ncclSend(x.send.at(peer * chunk * elem), chunk, type, peer, x.comm, x.stream));
            NCCL_CHECK(ncclRecv(x.recv.at(peer * chunk * elem), chunk, type, peer, x.comm, x.stream));
        }
    NCCL_CHECK(ncclGroupEnd());
}

void sync_all(Ranks& ranks) {
    for (auto& x : ranks.r) {
        CUDA_CHECK(cudaSetDevice(x.device));
        CUDA_CHECK(cudaStreamSynchronize(x.stream));
    }
}

__global__ void iota_kernel(float* p, std::size_t n, float base, float step_per_chunk, std::size_t chunk) {
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
        p[i] = base + step_per_chunk * static_cast<float>(chunk ? i / chunk : 0);
}

// nccl-tests habit: check that the data really moved. All-reduce of rank+1
// must give n(n+1)/2 everywhere; all-to-all chunk j of rank i must hold the
// value rank j put in its chunk i.
void check_collectives(Ranks& ranks) {
    State& st = state();
    const int n = static_cast<int>(ranks.r.size());
    const std::size_t count = 1 << 16;  // divisible by any rank count we meet? chunk = count / n
    const std::size_t chunk = count / n;
    bool ok = true;
    for (int pass = 0; pass < 2; ++pass) {
        for (int i = 0; i < n; ++i) {
            auto& x = ranks.r[i];
            CUDA_CHECK(cudaSetDevice(x.device));
            // all-to-all: rank i, chunk j holds i * n + j.
            iota_kernel<<<64, 256, 0, x.stream>>>(x.send.get<float>(), count, pass == 0 ? i + 1.0f : i * n,
                                                 pass == 0 ? 0.0f : 1.0f, chunk);
            KERNEL_CHECK("iota_kernel");
        }
        if (pass == 0) all_reduce(ranks, count, ncclFloat);
        else all_to_all(ranks, chunk * n, ncclFloat, sizeof(float));
        sync_all(ranks);
        for (int i = 0; i < n && ok; ++i) {
            std::vector<float> got(chunk * n);
            CUDA_CHECK(cudaSetDevice(ranks.r[i].device));
            CUDA_CHECK(cudaMemcpy(got.data(), ranks.r[i].recv.get(), got.size() * sizeof(float), cudaMemcpyDeviceToHost));
            for (std::size_t e = 0; e < got.size() && ok; e += 97) {
                const float want = pass == 0 ? n * (n + 1) / 2.0f : static_cast<float>((e / chunk) * n + i);
                ok = got[e] == want;
            }
        }
    }
    CUDA_CHECK(cudaSetDevice(st.device));
    Record c;
    c.text("name", "nccl_data").text("kind", "data").boolean("passed", ok).integer("ranks", n);
    st.report.checks.push_back(std::move(c));
    if (!ok) throw Failure("data check failed: NCCL all-reduce / all-to-all results are wrong");
}

}  // namespace

void run_nccl() {
    State& st = state();
    const int n = st.visible_gpus;
    if (n < 2) {
        skip("nccl", "1 visible GPU; collectives need 2 or more");
        return;
    }
    std::vector<std::size_t> sizes;  // bytes per rank
    const std::size_t max = st.opt.quick ? 256 * kMiB : kGiB;
    for (std::size_t s = 1024; s <= max; s *= st.opt.quick ? 16 : 4) sizes.push_back(s);
    Ranks ranks;
    ranks.r.resize(n);
    std::vector<int> devs(n);
    std::vector<ncclComm_t> comms(n);
    for (int i = 0; i < n; ++i) devs[i] = i;
    NCCL_CHECK(ncclCommInitAll(comms.data(), n, devs.data()));
    for (int i = 0; i < n; ++i) {
        auto& x = ranks.r[i];
        x.device = i;
        x.comm = comms[i];
        CUDA_CHECK(cudaSetDevice(i));
        CUDA_CHECK(cudaStreamCreateWithFlags(&x.stream, cudaStreamNonBlocking));
        x.send = DeviceBuffer(max);
        x.recv = DeviceBuffer(max);
        fill_random(x.send.get(), max / 2, DType::bf16, 61 + i, 1.0f, x.stream);
    }
    sync_all(ranks);
    check_collectives(ranks);
    TimeOptions o = st.timing;
    for (int kind = 0; kind < 2; ++kind) {
        const bool ar = kind == 0;
        for (std::size_t bytes : sizes) {
            const std::size_t count = bytes / 2 / (ar ? 1 : n) * (ar ? 1 : n);  // BF16 elements, divisible by n
            const Timing t = time_host(
                o,
                [&](long long) {
                    if (ar) all_reduce(ranks, count, ncclBfloat16);
                    else all_to_all(ranks, count, ncclBfloat16, 2);
                },
                [&] { sync_all(ranks); });
            const double b = static_cast<double>(count) * 2;
            const double algbw = b / t.median;
            const double factor = ar ? 2.0 * (n - 1) / n : static_cast<double>(n - 1) / n;
            Record s;
            s.text("tag", ar ? "nccl_all_reduce" : "nccl_all_to_all").integer("ranks", n).text("dtype", "bf16");
            s.integer("bytes", static_cast<long long>(b)).timing(t);
            s.real("algbw_bytes_per_s", algbw).real("busbw_bytes_per_s", algbw * factor);
            add_sample(std::move(s));
            progress("nccl", "%s %zu KiB x %d ranks: %.2f us, busbw %.1f GB/s", ar ? "all_reduce" : "all_to_all",
                     bytes / 1024, n, t.median * 1e6, algbw * factor * 1e-9);
        }
    }
    CUDA_CHECK(cudaSetDevice(st.device));
}

#endif

}  // namespace probe
