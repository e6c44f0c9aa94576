// Element-wise kernels of a transformer decode step (see kernels.cuh). They
// are written as an inference engine would: 128-bit vector loads, one pass
// where possible, enough blocks to fill the GPU.

#include "device_utils.cuh"
#include "kernels.cuh"

#include <algorithm>

namespace probe {
namespace {

__global__ void __launch_bounds__(256) rmsnorm_kernel(const bf16* __restrict__ x, const bf16* __restrict__ w,
                                                      bf16* __restrict__ y, int hidden, float eps) {
    const int vecs = hidden / 8;
    const uint4* xr = reinterpret_cast<const uint4*>(x + static_cast<std::size_t>(blockIdx.x) * hidden);
    const uint4* wr = reinterpret_cast<const uint4*>(w);
    uint4* yr = reinterpret_cast<uint4*>(y + static_cast<std::size_t>(blockIdx.x) * hidden);
    // Up to 4 vectors per thread stay in registers (hidden <= 8192 at 256
    // threads), so x is read from memory once.
    constexpr int kKeep = 4;
    uint4 keep[kKeep];
    float ss = 0.0f;
#pragma unroll
    for (int j = 0; j < kKeep; ++j) {
        const int i = threadIdx.x + j * blockDim.x;
        if (i < vecs) {
            keep[j] = xr[i];
            float f[8];
            unpack8(keep[j], f);
#pragma unroll
            for (int e = 0; e < 8; ++e) ss += f[e] * f[e];
        }
    }
    for (int i = threadIdx.x + kKeep * blockDim.x; i < vecs; i += blockDim.x) {
        float f[8];
        unpack8(xr[i], f);
#pragma unroll
        for (int e = 0; e < 8; ++e) ss += f[e] * f[e];
    }
    const float r = rsqrtf(block_sum(ss) / static_cast<float>(hidden) + eps);
    auto normalize = [&](const uint4& v, int i) {
        float f[8], g[8];
        unpack8(v, f);
        unpack8(wr[i], g);
#pragma unroll
        for (int e = 0; e < 8; ++e) f[e] *= r * g[e];
        yr[i] = pack8(f);
    };
#pragma unroll
    for (int j = 0; j < kKeep; ++j) {
        const int i = threadIdx.x + j * blockDim.x;
        if (i < vecs) normalize(keep[j], i);
    }
    for (int i = threadIdx.x + kKeep * blockDim.x; i < vecs; i += blockDim.x) normalize(xr[i], i);
}

__global__ void silu_mul_kernel(const bf16* __restrict__ gu, bf16* __restrict__ out, int rows, int inter) {
    const std::size_t per_row = static_cast<std::size_t>(inter) / 8;
    const std::size_t n = per_row * rows;
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t idx = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < n; idx += stride) {
        const std::size_t row = idx / per_row, c = idx % per_row;
        const uint4* g = reinterpret_cast<const uint4*>(gu + row * 2 * inter) + c;
        const uint4* u = reinterpret_cast<const uint4*>(gu + row * 2 * inter + inter) + c;
        float fg[8], fu[8];
        unpack8(*g, fg);
        unpack8(*u, fu);
#pragma unroll
        for (int e = 0; e < 8; ++e) fg[e] = fg[e] / (1.0f + __expf(-fg[e])) * fu[e];
        reinterpret_cast<uint4*>(out + row * inter)[c] = pack8(fg);
    }
}

__global__ void rope_append_kernel(RopeAppendArgs a) {
    constexpr int D = 128, H = D / 2;
    const int b = blockIdx.x;
    const int width = (a.q_heads + 2 * a.kv_heads) * D;
    const bf16* src = a.qkv + static_cast<std::size_t>(b) * width;
    const float log2_theta = log2f(a.theta);
    for (int idx = threadIdx.x; idx < (a.q_heads + a.kv_heads) * H; idx += blockDim.x) {
        const int h = idx / H, i = idx % H;
        const float inv_freq = exp2f(-static_cast<float>(2 * i) / D * log2_theta);
        float sn, cs;
        sincosf(static_cast<float>(a.pos) * inv_freq, &sn, &cs);
        const float x0 = __bfloat162float(src[h * D + i]);
        const float x1 = __bfloat162float(src[h * D + i + H]);
        const bf16 y0 = __float2bfloat16(x0 * cs - x1 * sn);
        const bf16 y1 = __float2bfloat16(x1 * cs + x0 * sn);
        bf16* dst;
        if (h < a.q_heads) {
            dst = a.q_out + (static_cast<std::size_t>(b) * a.q_heads + h) * D;
        } else {
            dst = a.k_cache +
                  ((static_cast<std::size_t>(b) * a.kv_heads + (h - a.q_heads)) * a.max_ctx + a.pos) * D;
        }
        dst[i] = y0;
        dst[i + H] = y1;
    }
    const bf16* vsrc = src + (a.q_heads + a.kv_heads) * D;
    for (int idx = threadIdx.x; idx < a.kv_heads * D; idx += blockDim.x) {
        const int kvh = idx / D, d = idx % D;
        a.v_cache[((static_cast<std::size_t>(b) * a.kv_heads + kvh) * a.max_ctx + a.pos) * D + d] = vsrc[idx];
    }
}

__global__ void embed_kernel(const int* __restrict__ tokens, const bf16* __restrict__ table, bf16* __restrict__ out,
                             int hidden) {
    const uint4* src = reinterpret_cast<const uint4*>(table + static_cast<std::size_t>(tokens[blockIdx.x]) * hidden);
    uint4* dst = reinterpret_cast<uint4*>(out + static_cast<std::size_t>(blockIdx.x) * hidden);
    for (int i = threadIdx.x; i < hidden / 8; i += blockDim.x) dst[i] = src[i];
}

__global__ void __launch_bounds__(1024) argmax_kernel(const bf16* __restrict__ logits, int* __restrict__ out, int vocab) {
    const bf16* row = logits + static_cast<std::size_t>(blockIdx.x) * vocab;
    float best = -INFINITY;
    int arg = 0;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
        const float v = __bfloat162float(row[i]);
        if (v > best) best = v, arg = i;
    }
    for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, best, o);
        const int oa = __shfl_xor_sync(0xffffffffu, arg, o);
        if (ov > best || (ov == best && oa < arg)) best = ov, arg = oa;
    }
    __shared__ float sv[32];
    __shared__ int sa[32];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) sv[warp] = best, sa[warp] = arg;
    __syncthreads();
    if (warp == 0) {
        best = lane < static_cast<int>(blockDim.x / 32) ? sv[lane] : -INFINITY;
        arg = lane < static_cast<int>(blockDim.x / 32) ? sa[lane] : 0;
        for (int o = 16; o > 0; o >>= 1) {
            const float ov = __shfl_xor_sync(0xffffffffu, best, o);
            const int oa = __shfl_xor_sync(0xffffffffu, arg, o);
            if (ov > best || (ov == best && oa < arg)) best = ov, arg = oa;
        }
        if (lane == 0) out[blockIdx.x] = arg;
    }
}

__global__ void count_nonfinite_kernel(const bf16* __restrict__ p, std::size_t n, unsigned* count) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    unsigned local = 0;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        local += isfinite(__bfloat162float(p[i])) ? 0u : 1u;
    if (local) atomicAdd(count, local);
}

__global__ void empty_kernel() {}

}  // namespace

void launch_rmsnorm(const bf16* x, const bf16* w, bf16* y, int rows, int hidden, float eps, cudaStream_t s) {
    rmsnorm_kernel<<<rows, 256, 0, s>>>(x, w, y, hidden, eps);
    KERNEL_CHECK("rmsnorm_kernel");
}

void launch_silu_mul(const bf16* gate_up, bf16* out, int rows, int inter, cudaStream_t s) {
    const std::size_t vecs = static_cast<std::size_t>(rows) * (inter / 8);
    const unsigned grid = static_cast<unsigned>(
        std::max<std::size_t>(1, std::min<std::size_t>((vecs + 255) / 256, static_cast<std::size_t>(state().sm_count) * 8)));
    silu_mul_kernel<<<grid, 256, 0, s>>>(gate_up, out, rows, inter);
    KERNEL_CHECK("silu_mul_kernel");
}

void launch_rope_append(const RopeAppendArgs& a, cudaStream_t s) {
    rope_append_kernel<<<a.batch, 256, 0, s>>>(a);
    KERNEL_CHECK("rope_append_kernel");
}

void launch_embed(const int* tokens, const bf16* table, bf16* out, int rows, int hidden, cudaStream_t s) {
    embed_kernel<<<rows, 256, 0, s>>>(tokens, table, out, hidden);
    KERNEL_CHECK("embed_kernel");
}

void launch_argmax(const bf16* logits, int* out, int rows, int vocab, cudaStream_t s) {
    argmax_kernel<<<rows, 1024, 0, s>>>(logits, out, vocab);
    KERNEL_CHECK("argmax_kernel");
}

void launch_count_nonfinite(const bf16* p, std::size_t n, unsigned* count, cudaStream_t s) {
    const unsigned grid = static_cast<unsigned>(
        std::max<std::size_t>(1, std::min<std::size_t>((n + 255) / 256, static_cast<std::size_t>(state().sm_count) * 8)));
    count_nonfinite_kernel<<<grid, 256, 0, s>>>(p, n, count);
    KERNEL_CHECK("count_nonfinite_kernel");
}

void launch_empty(cudaStream_t s) {
    empty_kernel<<<1, 32, 0, s>>>();
    KERNEL_CHECK("empty_kernel");
}

}  // namespace probe
