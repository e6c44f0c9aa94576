#include "buffer.hpp"

#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#if defined(HWPLAN_PROBE_NET_CUDA)
#include <cuda_runtime.h>
#endif

namespace hwplan::probe_net {
namespace {

#if defined(HWPLAN_PROBE_NET_CUDA)
std::string g_gpu_name;

void check_cuda(cudaError_t rc, const char* expression) {
    if (rc == cudaSuccess) return;
    std::string_view call(expression);
    if (auto paren = call.find('('); paren != std::string_view::npos) call = call.substr(0, paren);
    fatal(std::string(call) + " failed: " + cudaGetErrorName(rc) + ": " + cudaGetErrorString(rc));
}
#define PROBE_CUDA(expr) check_cuda((expr), #expr)
#endif

#if !defined(HWPLAN_PROBE_NET_CUDA)
[[noreturn]] void no_cuda() {
    fatal("GPU buffers requested but hwplan-probe-net was built without CUDA support");
}
#endif

// About 65 probed bytes per block: 64 spread evenly, plus the last one.
struct Probes {
    std::size_t stride = 1;
    std::size_t count = 0;
};
Probes probes_for(std::size_t bytes) {
    Probes p;
    p.count = std::min<std::size_t>(bytes, 64);
    p.stride = p.count ? bytes / p.count : 1;
    return p;
}

}  // namespace

bool built_with_cuda() {
#if defined(HWPLAN_PROBE_NET_CUDA)
    return true;
#else
    return false;
#endif
}

Buffer::Buffer(Memory memory, std::size_t bytes) : memory_(memory), bytes_(bytes) {
    const std::size_t alloc = std::max<std::size_t>(bytes, 1);
    if (memory == Memory::host) {
        // Page-aligned, as registration-based transports (RDMA) prefer.
        const std::size_t rounded = (alloc + 4095) / 4096 * 4096;
        data_ = std::aligned_alloc(4096, rounded);
        if (data_ == nullptr) fatal("cannot allocate " + format_bytes(static_cast<double>(bytes)) + " of host memory");
        std::memset(data_, 0, rounded);  // first-touch now, not inside a timed loop
        return;
    }
#if defined(HWPLAN_PROBE_NET_CUDA)
    PROBE_CUDA(cudaMalloc(&data_, alloc));
    PROBE_CUDA(cudaMemset(data_, 0, alloc));
#else
    no_cuda();
#endif
}

Buffer::~Buffer() { release(); }

Buffer::Buffer(Buffer&& other) noexcept
    : memory_(other.memory_), data_(std::exchange(other.data_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
    if (this != &other) {
        release();
        memory_ = other.memory_;
        data_ = std::exchange(other.data_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
}

void Buffer::release() {
    if (data_ == nullptr) return;
    if (memory_ == Memory::host) {
        std::free(data_);
    } else {
#if defined(HWPLAN_PROBE_NET_CUDA)
        cudaFree(data_);  // at teardown; an error here cannot change a result
#endif
    }
    data_ = nullptr;
    bytes_ = 0;
}

void Buffer::fill_pattern(int src) {
    if (memory_ == Memory::host) {
        auto* p = static_cast<std::uint8_t*>(data_);
        for (std::size_t k = 0; k < bytes_; ++k) p[k] = pattern_byte(src, k);
        return;
    }
#if defined(HWPLAN_PROBE_NET_CUDA)
    constexpr std::size_t chunk = 8u << 20;
    std::vector<std::uint8_t> staging(std::min(chunk, bytes_));
    for (std::size_t at = 0; at < bytes_; at += chunk) {
        const std::size_t n = std::min(chunk, bytes_ - at);
        for (std::size_t k = 0; k < n; ++k) staging[k] = pattern_byte(src, at + k);
        PROBE_CUDA(cudaMemcpy(static_cast<std::uint8_t*>(data_) + at, staging.data(), n,
                              cudaMemcpyHostToDevice));
    }
#else
    no_cuda();
#endif
}

void Buffer::read_strided(std::size_t offset, std::size_t stride, std::size_t count,
                          std::uint8_t* out) const {
    if (count == 0) return;
    const auto* base = static_cast<const std::uint8_t*>(data_) + offset;
    if (memory_ == Memory::host) {
        for (std::size_t i = 0; i < count; ++i) out[i] = base[i * stride];
        return;
    }
#if defined(HWPLAN_PROBE_NET_CUDA)
    PROBE_CUDA(cudaMemcpy2D(out, 1, base, stride, 1, count, cudaMemcpyDeviceToHost));
#else
    no_cuda();
#endif
}

void Buffer::write_strided(std::size_t offset, std::size_t stride, std::size_t count,
                           const std::uint8_t* in) {
    if (count == 0) return;
    auto* base = static_cast<std::uint8_t*>(data_) + offset;
    if (memory_ == Memory::host) {
        for (std::size_t i = 0; i < count; ++i) base[i * stride] = in[i];
        return;
    }
#if defined(HWPLAN_PROBE_NET_CUDA)
    PROBE_CUDA(cudaMemcpy2D(base, stride, in, 1, 1, count, cudaMemcpyHostToDevice));
#else
    no_cuda();
#endif
}

void poison(Buffer& recv, const Expected& e) {
    if (e.bytes == 0) return;
    const Probes p = probes_for(e.bytes);
    std::vector<std::uint8_t> v(p.count);
    for (std::size_t i = 0; i < p.count; ++i)
        v[i] = static_cast<std::uint8_t>(pattern_byte(e.src, e.src_offset + i * p.stride) ^ 0xA5);
    recv.write_strided(e.recv_offset, p.stride, p.count, v.data());
    const std::uint8_t last = static_cast<std::uint8_t>(pattern_byte(e.src, e.src_offset + e.bytes - 1) ^ 0x5A);
    recv.write_strided(e.recv_offset + e.bytes - 1, 1, 1, &last);
}

void verify(const Buffer& recv, const Expected& e) {
    if (e.bytes == 0) return;
    const Probes p = probes_for(e.bytes);
    std::vector<std::uint8_t> got(p.count + 1);
    recv.read_strided(e.recv_offset, p.stride, p.count, got.data());
    recv.read_strided(e.recv_offset + e.bytes - 1, 1, 1, got.data() + p.count);
    for (std::size_t i = 0; i <= p.count; ++i) {
        const std::size_t at = i < p.count ? i * p.stride : e.bytes - 1;
        const std::uint8_t want = pattern_byte(e.src, e.src_offset + at);
        if (got[i] != want) {
            char what[256];
            std::snprintf(what, sizeof what,
                          "data check failed: byte %zu of the %zu B received from rank %d is 0x%02x, "
                          "expected 0x%02x",
                          at, e.bytes, e.src, got[i], want);
            fatal(what);
        }
    }
}

void select_gpu(int local_rank) {
#if defined(HWPLAN_PROBE_NET_CUDA)
    int count = 0;
    PROBE_CUDA(cudaGetDeviceCount(&count));
    if (count <= 0) fatal("--gpu-buffers: no CUDA device visible on this host");
    const int device = local_rank % count;
    PROBE_CUDA(cudaSetDevice(device));
    cudaDeviceProp prop{};
    PROBE_CUDA(cudaGetDeviceProperties(&prop, device));
    g_gpu_name = prop.name;
#else
    (void)local_rank;
    no_cuda();
#endif
}

std::string gpu_name() {
#if defined(HWPLAN_PROBE_NET_CUDA)
    return g_gpu_name;
#else
    return {};
#endif
}

}  // namespace hwplan::probe_net
