// Shared driver state and helpers: error reporting, buffers, random fills,
// the timing primitives of timer.cuh.

#include "probe.cuh"
#include "timer.cuh"

#include <cuda_fp8.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace probe {

State& state() {
    static State s;
    return s;
}

void fail_call(const char* call, const char* file, int line, const std::string& what) {
    // Strip the directory: the message should name the probe's file, not the
    // build machine's layout.
    std::string f = file;
    auto slash = f.find_last_of('/');
    if (slash != std::string::npos) f = f.substr(slash + 1);
    throw Failure(std::string(call) + " failed at " + f + ":" + std::to_string(line) + ": " + what);
}

const char* cublas_status_name(cublasStatus_t s) {
    // cublasGetStatusString lives in libcublas, which we do not link.
    switch (s) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED: the library was not initialized";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED: resource allocation failed";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE: an unsupported value or parameter was passed";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH: the feature is absent on this device architecture";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR: access to GPU memory failed";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED: the GPU program failed to execute";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR: an internal cuBLAS operation failed";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED: the functionality requested is not supported";
        case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
        default: return "unknown cublasStatus_t";
    }
}

bool family_enabled(const std::string& family) {
    const auto& only = state().opt.only;
    return only.empty() || std::find(only.begin(), only.end(), family) != only.end();
}

void progress(const char* family, const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    std::fprintf(stderr, "hwplan-probe-gpu: [%s] %s\n", family, buf);
}

void skip(const std::string& family, const std::string& reason, Record params) {
    Record r;
    r.text("family", family).append(params).text("reason", reason);
    progress(family.c_str(), "skipped: %s", reason.c_str());
    state().report.skipped.push_back(std::move(r));
}

void add_sample(Record r) { state().report.samples.push_back(std::move(r)); }

std::size_t free_device_bytes() {
    std::size_t free = 0, total = 0;
    CUDA_CHECK(cudaMemGetInfo(&free, &total));
    return free;
}

int rotation_copies(std::size_t bytes) {
    if (bytes == 0) return 1;
    const std::size_t span = 3 * state().l2_bytes;
    return static_cast<int>(std::max<std::size_t>(1, (span + bytes - 1) / bytes));
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) : n_(bytes) {
    if (bytes) CUDA_CHECK(cudaMalloc(&p_, bytes));
}

DeviceBuffer::~DeviceBuffer() {
    if (p_) cudaFree(p_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        if (p_) cudaFree(p_);
        p_ = o.p_;
        n_ = o.n_;
        o.p_ = nullptr;
        o.n_ = 0;
    }
    return *this;
}

std::size_t dtype_bytes(DType t) {
    switch (t) {
        case DType::f32: return 4;
        case DType::bf16: return 2;
        case DType::fp8_e4m3: return 1;
    }
    return 1;
}

namespace {

__device__ __forceinline__ float hash_uniform(std::uint64_t x) {
    // splitmix64 finaliser: cheap, and good enough to make operands look random.
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return static_cast<float>(static_cast<std::uint32_t>(x) >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

__device__ __forceinline__ void store_as(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_as(bf16* p, float v) { *p = __float2bfloat16(v); }
__device__ __forceinline__ void store_as(__nv_fp8_e4m3* p, float v) { *p = __nv_fp8_e4m3(v); }

template <class T>
__global__ void fill_random_kernel(T* p, std::size_t n, std::uint64_t seed, float scale) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        store_as(p + i, scale * hash_uniform(i + (seed << 40)));
}

__global__ void fill_value_kernel(float* p, std::size_t n, float v) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        p[i] = v;
}

__global__ void spin_kernel(unsigned long long ns) {
    unsigned long long start, now;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
    do {
        __nanosleep(500);
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    } while (now - start < ns);
}

unsigned fill_grid(std::size_t n) {
    const std::size_t blocks = (n + 255) / 256;
    return static_cast<unsigned>(std::min<std::size_t>(blocks, static_cast<std::size_t>(state().sm_count) * 16));
}

}  // namespace

void fill_random(void* p, std::size_t count, DType t, std::uint32_t seed, float scale, cudaStream_t s) {
    if (count == 0) return;
    const unsigned grid = std::max(1u, fill_grid(count));
    switch (t) {
        case DType::f32:
            fill_random_kernel<<<grid, 256, 0, s>>>(static_cast<float*>(p), count, seed, scale);
            break;
        case DType::bf16:
            fill_random_kernel<<<grid, 256, 0, s>>>(static_cast<bf16*>(p), count, seed, scale);
            break;
        case DType::fp8_e4m3:
            fill_random_kernel<<<grid, 256, 0, s>>>(static_cast<__nv_fp8_e4m3*>(p), count, seed, scale);
            break;
    }
    KERNEL_CHECK("fill_random_kernel");
}

void fill_value(float* p, std::size_t count, float value, cudaStream_t s) {
    if (count == 0) return;
    fill_value_kernel<<<std::max(1u, fill_grid(count)), 256, 0, s>>>(p, count, value);
    KERNEL_CHECK("fill_value_kernel");
}

void launch_spin(cudaStream_t s, double seconds) {
    spin_kernel<<<1, 1, 0, s>>>(static_cast<unsigned long long>(seconds * 1e9));
    KERNEL_CHECK("spin_kernel");
}

Timing summarize(std::vector<double> v, int inner) {
    Timing t;
    t.inner = inner;
    t.reps = static_cast<int>(v.size());
    if (v.empty()) return t;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    t.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    auto rank = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(n - 1) + 0.5)]; };
    t.p10 = rank(0.1);
    t.p90 = rank(0.9);
    t.min = v.front();
    t.max = v.back();
    return t;
}

}  // namespace probe
