// Decode-attention kernels (see attention.cuh for the layouts) and the
// attention family: KV-read bandwidth vs batch x context for GQA and MLA.

#include "attention.cuh"
#include "device_utils.cuh"
#include "timer.cuh"

#include <algorithm>
#include <cmath>
#include <vector>

namespace probe {
namespace {

constexpr float kLog2e = 1.4426950408889634f;

// ---------------------------------------------------------------- combine

// Merges the per-split partial outputs (already normalised by their own
// softmax sum) with weights 2^(lse_s - max lse).
__global__ void combine_splits_kernel(const float* __restrict__ part_o, const float* __restrict__ part_lse,
                                      bf16* __restrict__ out, int splits, int dim) {
    const std::size_t bh = blockIdx.x;
    const float* lse = part_lse + bh * splits;
    float mx = -INFINITY;
    for (int s = 0; s < splits; ++s) mx = fmaxf(mx, lse[s]);
    float wsum = 0.0f;
    for (int s = 0; s < splits; ++s) wsum += exp2f(lse[s] - mx);
    const float inv = 1.0f / wsum;
    for (int d = threadIdx.x; d < dim; d += blockDim.x) {
        float acc = 0.0f;
        for (int s = 0; s < splits; ++s) acc += exp2f(lse[s] - mx) * part_o[(bh * splits + s) * dim + d];
        out[bh * dim + d] = __float2bfloat16(acc * inv);
    }
}

__host__ __device__ inline float* part_lse_of(const DecodeAttentionArgs& a, int dim) {
    return a.workspace + static_cast<std::size_t>(a.batch) * a.q_heads * a.splits * dim;
}

void launch_combine(const DecodeAttentionArgs& a, int dim, cudaStream_t s) {
    combine_splits_kernel<<<a.batch * a.q_heads, 128, 0, s>>>(a.workspace, part_lse_of(a, dim), a.out, a.splits, dim);
    KERNEL_CHECK("combine_splits_kernel");
}

// -------------------------------------------------------------------- GQA

// Block = 4 warps = one (split, kv head, sequence). A half-warp reads one
// token's 128-dim K (then V) row as 16 x 16-byte vectors; the two halves take
// alternate tokens and each warp walks its own contiguous quarter of the
// split, 4 token pairs per step so 8 loads per lane are in flight. Scores for
// all G query heads of the group come from the same K vector (GQA reuse).
template <int G>
__global__ void __launch_bounds__(128) gqa_decode_kernel(DecodeAttentionArgs a, float scale_log2) {
    constexpr int D = kGqaHeadDim, U = 4, W = 4;
    const int split = blockIdx.x, kvh = blockIdx.y, b = blockIdx.z;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, half = lane / 16, sub = lane % 16;
    const int tps = (a.ctx + a.splits - 1) / a.splits;
    const int t0 = split * tps, t1 = min(a.ctx, t0 + tps);
    const int per_warp = (t1 - t0 + W - 1) / W;
    const int w0 = t0 + warp * per_warp, w1 = min(t1, w0 + per_warp);

    const std::size_t kv_off = (static_cast<std::size_t>(b) * a.kv_heads + kvh) * a.max_ctx * D + sub * 8;
    const uint4* kp = reinterpret_cast<const uint4*>(a.k + kv_off);
    const uint4* vp = reinterpret_cast<const uint4*>(a.v + kv_off);

    float q[G][8];
#pragma unroll
    for (int g = 0; g < G; ++g) {
        const uint4 raw = *reinterpret_cast<const uint4*>(
            a.q + (static_cast<std::size_t>(b) * a.q_heads + kvh * G + g) * D + sub * 8);
        unpack8(raw, q[g]);
#pragma unroll
        for (int i = 0; i < 8; ++i) q[g][i] *= scale_log2;  // scores in log2 units: exp2f below
    }
    float m[G], l[G], acc[G][8];
#pragma unroll
    for (int g = 0; g < G; ++g) {
        m[g] = -INFINITY, l[g] = 0.0f;
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[g][i] = 0.0f;
    }

    // Warp-uniform loop bounds: every lane runs every iteration (the
    // shuffles need the whole warp); out-of-range tokens are masked.
    for (int base = w0; base < w1; base += 2 * U) {
        uint4 kr[U], vr[U];
        bool valid[U];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int t = base + 2 * u + half;
            valid[u] = t < w1;
            kr[u] = valid[u] ? __ldg(kp + static_cast<std::size_t>(t) * (D / 8)) : make_uint4(0, 0, 0, 0);
            vr[u] = valid[u] ? __ldg(vp + static_cast<std::size_t>(t) * (D / 8)) : make_uint4(0, 0, 0, 0);
        }
        float s[U][G];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            float kf[8];
            unpack8(kr[u], kf);
#pragma unroll
            for (int g = 0; g < G; ++g) {
                float x = 0.0f;
#pragma unroll
                for (int i = 0; i < 8; ++i) x = fmaf(q[g][i], kf[i], x);
                s[u][g] = x;
            }
        }
#pragma unroll
        for (int u = 0; u < U; ++u)
#pragma unroll
            for (int g = 0; g < G; ++g)
#pragma unroll
                for (int o = 8; o > 0; o >>= 1) s[u][g] += __shfl_xor_sync(0xffffffffu, s[u][g], o);
        // Online softmax, one rescale per chunk of U tokens.
#pragma unroll
        for (int g = 0; g < G; ++g) {
            float cmax = -INFINITY;
#pragma unroll
            for (int u = 0; u < U; ++u)
                if (valid[u]) cmax = fmaxf(cmax, s[u][g]);
            const float mn = fmaxf(m[g], cmax);
            const float alpha = mn == -INFINITY ? 1.0f : exp2f(m[g] - mn);
            m[g] = mn;
            l[g] *= alpha;
#pragma unroll
            for (int i = 0; i < 8; ++i) acc[g][i] *= alpha;
        }
#pragma unroll
        for (int u = 0; u < U; ++u) {
            if (!valid[u]) continue;
            float vf[8];
            unpack8(vr[u], vf);
#pragma unroll
            for (int g = 0; g < G; ++g) {
                const float p = exp2f(s[u][g] - m[g]);
                l[g] += p;
#pragma unroll
                for (int i = 0; i < 8; ++i) acc[g][i] = fmaf(p, vf[i], acc[g][i]);
            }
        }
    }

    // Merge the two half-warps (they saw alternate tokens).
#pragma unroll
    for (int g = 0; g < G; ++g) {
        const float mo = __shfl_xor_sync(0xffffffffu, m[g], 16);
        const float lo = __shfl_xor_sync(0xffffffffu, l[g], 16);
        const float mn = fmaxf(m[g], mo);
        const float sa = m[g] == -INFINITY ? 0.0f : exp2f(m[g] - mn);
        const float sb = mo == -INFINITY ? 0.0f : exp2f(mo - mn);
        l[g] = l[g] * sa + lo * sb;
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const float ao = __shfl_xor_sync(0xffffffffu, acc[g][i], 16);
            acc[g][i] = acc[g][i] * sa + ao * sb;
        }
        m[g] = mn;
    }

    // Merge the four warps through shared memory.
    __shared__ float s_m[W][G], s_l[W][G], s_acc[W][G][D];
    if (half == 0) {
#pragma unroll
        for (int g = 0; g < G; ++g)
#pragma unroll
            for (int i = 0; i < 8; ++i) s_acc[warp][g][sub * 8 + i] = acc[g][i];
    }
    if (lane == 0) {
#pragma unroll
        for (int g = 0; g < G; ++g) s_m[warp][g] = m[g], s_l[warp][g] = l[g];
    }
    __syncthreads();
    for (int idx = threadIdx.x; idx < G * D; idx += blockDim.x) {
        const int g = idx / D, d = idx % D;
        float mx = -INFINITY;
#pragma unroll
        for (int w = 0; w < W; ++w) mx = fmaxf(mx, s_m[w][g]);
        float lsum = 0.0f, o = 0.0f;
#pragma unroll
        for (int w = 0; w < W; ++w) {
            const float f = s_m[w][g] == -INFINITY ? 0.0f : exp2f(s_m[w][g] - mx);
            lsum += s_l[w][g] * f;
            o += s_acc[w][g][d] * f;
        }
        const std::size_t bh = static_cast<std::size_t>(b) * a.q_heads + kvh * G + g;
        if (a.splits == 1) {
            a.out[bh * D + d] = __float2bfloat16(o / lsum);
        } else {
            a.workspace[(bh * a.splits + split) * D + d] = o / lsum;
            if (d == 0) part_lse_of(a, D)[bh * a.splits + split] = mx + log2f(lsum);
        }
    }
}

// -------------------------------------------------------------------- MLA

namespace mla {
constexpr int kTile = 32;   // tokens per tile
constexpr int kLd = 584;    // smem row stride in bf16: 576 + 8, so 8 consecutive rows hit 8 different 16-byte bank groups (conflict-free ldmatrix)
constexpr int kSld = 40;    // score row stride in floats (conflict-free float2 access)
constexpr int kPairs = 4;   // warp pairs; each pair owns 16 heads
constexpr int kHeads = 16 * kPairs;     // 64 heads per block
constexpr int kThreads = 64 * kPairs;   // 256
constexpr int kChunks = kMlaDim / 8;    // 16-byte chunks per latent row
constexpr std::size_t kSmem = (static_cast<std::size_t>(kHeads) * kLd + 2 * kTile * kLd) * sizeof(bf16) +
                              static_cast<std::size_t>(kHeads) * kSld * sizeof(float);
}  // namespace mla

__device__ __forceinline__ unsigned smem_addr(const void* p) {
    return static_cast<unsigned>(__cvta_generic_to_shared(p));
}
__device__ __forceinline__ void cp_async16(void* dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(smem_addr(dst)), "l"(src) : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}
// Four 8x8 b16 matrices; lanes 8i..8i+7 give the row addresses of matrix i;
// register i receives matrix i, lane l holding row l/4, columns 2(l%4), +1
// (with .trans: the transposed matrix).
__device__ __forceinline__ void ldsm_x4(std::uint32_t (&r)[4], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smem_addr(p))
                 : "memory");
}
__device__ __forceinline__ void ldsm_x4_trans(std::uint32_t (&r)[4], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smem_addr(p))
                 : "memory");
}
// D(16x8, f32) += A(16x16, row) * B(16x8, col), BF16 inputs. Fragments (PTX
// ISA, "mma.m16n8k16"): with g = lane/4, t = lane%4, a0 = A[g][2t..], a1 =
// A[g+8][2t..], a2 = A[g][2t+8..], a3 = A[g+8][2t+8..]; b0 = B[2t..][g], b1 =
// B[2t+8..][g]; d0,d1 = D[g][2t, 2t+1], d2,d3 = D[g+8][2t, 2t+1].
__device__ __forceinline__ void mma_bf16(float (&d)[4], const std::uint32_t (&a)[4], std::uint32_t b0,
                                         std::uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
__device__ __forceinline__ std::uint32_t pack_bf16x2(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<std::uint32_t*>(&v);
}

// Block = 64 heads x one split of one sequence; 8 warps = 4 pairs. Per tile of
// 32 tokens: warp (pair p, role r) computes S = Q[16 heads of p] . K^T for
// tokens 16r..16r+15 (36 k-steps over 576 dims) into shared memory; then both
// warps of the pair read the whole 16 x 32 score tile, do the online softmax
// for their 16 rows and accumulate O[16 heads][256 dims of role r] += P . V,
// V being the first 512 dims of the same latent tile. The accumulator row of
// each register is known from the mma fragment layout, so rescaling by the
// running max stays in registers.
__global__ void __launch_bounds__(mla::kThreads, 1) mla_decode_kernel(DecodeAttentionArgs a, float scale_log2) {
    using namespace mla;
    extern __shared__ __align__(16) unsigned char smem[];
    bf16* sQ = reinterpret_cast<bf16*>(smem);
    bf16* sK = sQ + kHeads * kLd;
    float* sS = reinterpret_cast<float*>(sK + 2 * kTile * kLd);

    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int pair = warp % kPairs, role = warp / kPairs;
    const int g = lane / 4, t4 = lane % 4;
    const int split = blockIdx.x, h0 = blockIdx.y * kHeads, b = blockIdx.z;
    const int tps = (a.ctx + a.splits - 1) / a.splits;
    const int t_begin = split * tps, t_end = min(a.ctx, t_begin + tps);
    const int ntiles = (t_end - t_begin + kTile - 1) / kTile;

    const bf16* qg = a.q + (static_cast<std::size_t>(b) * a.q_heads + h0) * kMlaDim;
    const bf16* kvg = a.k + static_cast<std::size_t>(b) * a.max_ctx * kMlaDim;
    for (int c = tid; c < kHeads * kChunks; c += kThreads) {
        const int r = c / kChunks, col = c % kChunks;
        cp_async16(sQ + r * kLd + col * 8, qg + static_cast<std::size_t>(r) * kMlaDim + col * 8);
    }
    auto load_tile = [&](int tile, int buf) {
        bf16* dst = sK + buf * kTile * kLd;
        const int base = t_begin + tile * kTile;
        for (int c = tid; c < kTile * kChunks; c += kThreads) {
            const int r = c / kChunks, col = c % kChunks;
            if (base + r < t_end)
                cp_async16(dst + r * kLd + col * 8, kvg + static_cast<std::size_t>(base + r) * kMlaDim + col * 8);
            else  // rows past the end are zero, so masked scores meet V = 0, not stale NaNs
                *reinterpret_cast<uint4*>(dst + r * kLd + col * 8) = make_uint4(0, 0, 0, 0);
        }
    };
    if (ntiles > 0) load_tile(0, 0);
    cp_async_commit();

    float o[32][4];
#pragma unroll
    for (int nt = 0; nt < 32; ++nt) o[nt][0] = o[nt][1] = o[nt][2] = o[nt][3] = 0.0f;
    float m_r[2] = {-INFINITY, -INFINITY}, l_r[2] = {0.0f, 0.0f};

    // ldmatrix row addresses (see ldsm_x4): A = Q rows of this pair, B = K
    // rows (tokens) of this role's half tile, V^T tiles for the PV product.
    const bf16* qa = sQ + (pair * 16 + (lane % 8) + ((lane / 8) % 2) * 8) * kLd + (lane / 16) * 8;
    const int kb_off = (role * 16 + (lane / 16) * 8 + lane % 8) * kLd + ((lane / 8) % 2) * 8;
    const int vb_off = (((lane / 8) % 2) * 8 + lane % 8) * kLd + role * 256 + (lane / 16) * 8;

    for (int tile = 0; tile < ntiles; ++tile) {
        const int buf = tile & 1;
        if (tile + 1 < ntiles) {
            load_tile(tile + 1, buf ^ 1);
            cp_async_commit();
            cp_async_wait<1>();
        } else {
            cp_async_wait<0>();
        }
        __syncthreads();
        const bf16* kt = sK + buf * kTile * kLd;

        float sacc[2][4] = {{0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}};
#pragma unroll 4
        for (int ks = 0; ks < kMlaDim / 16; ++ks) {
            std::uint32_t af[4], bfr[4];
            ldsm_x4(af, qa + ks * 16);
            ldsm_x4(bfr, kt + kb_off + ks * 16);
            mma_bf16(sacc[0], af, bfr[0], bfr[1]);
            mma_bf16(sacc[1], af, bfr[2], bfr[3]);
        }
        float* srow = sS + (pair * 16 + g) * kSld + role * 16 + 2 * t4;
#pragma unroll
        for (int nt = 0; nt < 2; ++nt) {
            *reinterpret_cast<float2*>(srow + nt * 8) = make_float2(sacc[nt][0], sacc[nt][1]);
            *reinterpret_cast<float2*>(srow + 8 * kSld + nt * 8) = make_float2(sacc[nt][2], sacc[nt][3]);
        }
        __syncthreads();

        // Online softmax over this tile for rows g (r = 0) and g + 8 (r = 1).
        const int tile_base = t_begin + tile * kTile;
        float p[2][2][4];
        float tmax[2] = {-INFINITY, -INFINITY};
#pragma unroll
        for (int ks = 0; ks < 2; ++ks)
#pragma unroll
            for (int r = 0; r < 2; ++r) {
                const float* row = sS + (pair * 16 + g + r * 8) * kSld + ks * 16 + 2 * t4;
                const float2 x0 = *reinterpret_cast<const float2*>(row);
                const float2 x1 = *reinterpret_cast<const float2*>(row + 8);
                const float v[4] = {x0.x, x0.y, x1.x, x1.y};
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    const int col = ks * 16 + 2 * t4 + (j & 1) + (j >> 1) * 8;
                    const float sv = tile_base + col < t_end ? v[j] * scale_log2 : -INFINITY;
                    p[ks][r][j] = sv;
                    tmax[r] = fmaxf(tmax[r], sv);
                }
            }
        float alpha[2], rsum[2] = {0.0f, 0.0f};
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            tmax[r] = fmaxf(tmax[r], __shfl_xor_sync(0xffffffffu, tmax[r], 1));
            tmax[r] = fmaxf(tmax[r], __shfl_xor_sync(0xffffffffu, tmax[r], 2));
            const float mn = fmaxf(m_r[r], tmax[r]);  // finite: every tile has a valid token
            alpha[r] = exp2f(m_r[r] - mn);            // 0 on the first tile (m_r = -inf)
            m_r[r] = mn;
        }
#pragma unroll
        for (int ks = 0; ks < 2; ++ks)
#pragma unroll
            for (int r = 0; r < 2; ++r)
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    p[ks][r][j] = exp2f(p[ks][r][j] - m_r[r]);
                    rsum[r] += p[ks][r][j];
                }
#pragma unroll
        for (int r = 0; r < 2; ++r) {
            rsum[r] += __shfl_xor_sync(0xffffffffu, rsum[r], 1);
            rsum[r] += __shfl_xor_sync(0xffffffffu, rsum[r], 2);
            l_r[r] = l_r[r] * alpha[r] + rsum[r];
        }
#pragma unroll
        for (int nt = 0; nt < 32; ++nt) {
            o[nt][0] *= alpha[0], o[nt][1] *= alpha[0];
            o[nt][2] *= alpha[1], o[nt][3] *= alpha[1];
        }
        std::uint32_t pa[2][4];
#pragma unroll
        for (int ks = 0; ks < 2; ++ks) {
            pa[ks][0] = pack_bf16x2(p[ks][0][0], p[ks][0][1]);
            pa[ks][1] = pack_bf16x2(p[ks][1][0], p[ks][1][1]);
            pa[ks][2] = pack_bf16x2(p[ks][0][2], p[ks][0][3]);
            pa[ks][3] = pack_bf16x2(p[ks][1][2], p[ks][1][3]);
        }
#pragma unroll
        for (int ks = 0; ks < 2; ++ks)
#pragma unroll
            for (int np = 0; np < 16; ++np) {
                std::uint32_t vf[4];
                ldsm_x4_trans(vf, kt + vb_off + ks * 16 * kLd + np * 16);
                mma_bf16(o[2 * np], pa[ks], vf[0], vf[1]);
                mma_bf16(o[2 * np + 1], pa[ks], vf[2], vf[3]);
            }
        __syncthreads();  // sS and this K buffer are rewritten next iteration
    }

#pragma unroll
    for (int r = 0; r < 2; ++r) {
        const std::size_t bh = static_cast<std::size_t>(b) * a.q_heads + h0 + pair * 16 + g + r * 8;
        const float inv = 1.0f / l_r[r];
#pragma unroll
        for (int nt = 0; nt < 32; ++nt) {
            const int d = role * 256 + nt * 8 + 2 * t4;
            const float x = o[nt][2 * r] * inv, y = o[nt][2 * r + 1] * inv;
            if (a.splits == 1)
                *reinterpret_cast<__nv_bfloat162*>(a.out + bh * kMlaKvRank + d) = __floats2bfloat162_rn(x, y);
            else
                *reinterpret_cast<float2*>(a.workspace + (bh * a.splits + split) * kMlaKvRank + d) = make_float2(x, y);
        }
        if (a.splits > 1 && role == 0 && t4 == 0)
            part_lse_of(a, kMlaKvRank)[bh * a.splits + split] = m_r[r] + log2f(l_r[r]);
    }
}

// -------------------------------------------------------------- reference

// Plain attention for the data checks: one block per (sequence, head),
// scores in shared memory, FP32 throughout.
struct RefArgs {
    const bf16* q;
    const bf16* k;
    const bf16* v;
    float* out;
    int heads, group, ctx, dk, dv;
    long long k_b, k_h, k_t, v_b, v_h, v_t;  // element strides: sequence, kv head, token
    float scale;
};

__global__ void reference_attention_kernel(RefArgs a) {
    extern __shared__ float sc[];
    const int b = blockIdx.x / a.heads, h = blockIdx.x % a.heads, kvh = h / a.group;
    const bf16* q = a.q + (static_cast<std::size_t>(b) * a.heads + h) * a.dk;
    const bf16* k = a.k + b * a.k_b + kvh * a.k_h;
    const bf16* v = a.v + b * a.v_b + kvh * a.v_h;
    for (int t = threadIdx.x; t < a.ctx; t += blockDim.x) {
        float s = 0.0f;
        for (int d = 0; d < a.dk; ++d) s += __bfloat162float(q[d]) * __bfloat162float(k[t * a.k_t + d]);
        sc[t] = s * a.scale;
    }
    __syncthreads();
    float mx = -INFINITY;
    for (int t = threadIdx.x; t < a.ctx; t += blockDim.x) mx = fmaxf(mx, sc[t]);
    mx = block_max(mx);
    float sum = 0.0f;
    for (int t = threadIdx.x; t < a.ctx; t += blockDim.x) {
        sc[t] = expf(sc[t] - mx);
        sum += sc[t];
    }
    sum = block_sum(sum);  // its barriers also publish sc[]
    for (int d = threadIdx.x; d < a.dv; d += blockDim.x) {
        float o = 0.0f;
        for (int t = 0; t < a.ctx; ++t) o += sc[t] * __bfloat162float(v[t * a.v_t + d]);
        a.out[(static_cast<std::size_t>(b) * a.heads + h) * a.dv + d] = o / sum;
    }
}

float gqa_scale(const DecodeAttentionArgs& a) {
    return a.softmax_scale > 0 ? a.softmax_scale : 1.0f / std::sqrt(static_cast<float>(kGqaHeadDim));
}
float mla_scale(const DecodeAttentionArgs& a) {
    return a.softmax_scale > 0 ? a.softmax_scale : 1.0f / std::sqrt(192.0f);
}

int normalise_splits(int splits, int ctx) {
    // Every split gets at least one token.
    const int tps = (ctx + splits - 1) / splits;
    return (ctx + tps - 1) / tps;
}

}  // namespace

int gqa_splits(int batch, int kv_heads, int ctx) {
    // Aim at ~4 blocks of 128 threads per SM, but keep >= 128 tokens (32 per
    // warp) per split so the partials stay small next to the KV they replace.
    const int items = std::max(1, batch * kv_heads);
    const int target = state().sm_count * 4;
    int splits = (target + items - 1) / items;
    splits = std::clamp(splits, 1, std::max(1, (ctx + 127) / 128));
    return normalise_splits(splits, ctx);
}

int mla_splits(int batch, int heads, int ctx) {
    // One 256-thread block per SM (shared-memory bound); >= 256 tokens per
    // split because a split's partial output (heads x 512 floats) is large.
    const int items = std::max(1, batch * (heads / mla::kHeads));
    int splits = (state().sm_count + items - 1) / items;
    splits = std::clamp(splits, 1, std::max(1, (ctx + 255) / 256));
    return normalise_splits(splits, ctx);
}

std::size_t attention_workspace_bytes(int batch, int q_heads, int splits, int out_dim) {
    if (splits <= 1) return 0;
    const std::size_t rows = static_cast<std::size_t>(batch) * q_heads * splits;
    return rows * (out_dim + 1) * sizeof(float);
}

void launch_gqa_decode(const DecodeAttentionArgs& a, cudaStream_t s) {
    const dim3 grid(a.splits, a.kv_heads, a.batch);
    const float sl = gqa_scale(a) * kLog2e;
    switch (a.q_heads / a.kv_heads) {
        case 1: gqa_decode_kernel<1><<<grid, 128, 0, s>>>(a, sl); break;
        case 2: gqa_decode_kernel<2><<<grid, 128, 0, s>>>(a, sl); break;
        case 4: gqa_decode_kernel<4><<<grid, 128, 0, s>>>(a, sl); break;
        case 8: gqa_decode_kernel<8><<<grid, 128, 0, s>>>(a, sl); break;
        default: throw Failure("gqa_decode_kernel: q_heads / kv_heads must be 1, 2, 4 or 8");
    }
    KERNEL_CHECK("gqa_decode_kernel");
    if (a.splits > 1) launch_combine(a, kGqaHeadDim, s);
}

bool mla_supported(std::string* why) {
    const State& st = state();
    if (static_cast<std::size_t>(st.max_smem_optin) < mla::kSmem) {
        *why = "the MLA kernel needs " + std::to_string(mla::kSmem) + " bytes of shared memory per block, this GPU allows " +
               std::to_string(st.max_smem_optin);
        return false;
    }
    if (st.cc_major < 8) {
        *why = "the MLA kernel needs BF16 tensor cores (compute capability >= 8.0)";
        return false;
    }
    return true;
}

void launch_mla_decode(const DecodeAttentionArgs& a, cudaStream_t s) {
    if (a.q_heads % mla::kHeads != 0) throw Failure("mla_decode_kernel: heads must be a multiple of 64");
    static bool configured = false;
    if (!configured) {
        CUDA_CHECK(cudaFuncSetAttribute(mla_decode_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        static_cast<int>(mla::kSmem)));
        configured = true;
    }
    const dim3 grid(a.splits, a.q_heads / mla::kHeads, a.batch);
    mla_decode_kernel<<<grid, mla::kThreads, mla::kSmem, s>>>(a, mla_scale(a) * kLog2e);
    KERNEL_CHECK("mla_decode_kernel");
    if (a.splits > 1) launch_combine(a, kMlaKvRank, s);
}

// ------------------------------------------------------------------ checks

namespace {

void check_case(const char* name, bool is_mla, int batch, int heads, int kv_heads, int ctx, int max_ctx,
                int forced_splits) {
    State& st = state();
    const int dk = is_mla ? kMlaDim : kGqaHeadDim;
    const int dv = is_mla ? kMlaKvRank : kGqaHeadDim;
    const std::size_t q_n = static_cast<std::size_t>(batch) * heads * dk;
    const std::size_t kv_n = static_cast<std::size_t>(batch) * (is_mla ? 1 : kv_heads) * max_ctx * dk;
    const std::size_t out_n = static_cast<std::size_t>(batch) * heads * dv;
    DecodeAttentionArgs a;
    a.batch = batch, a.q_heads = heads, a.kv_heads = is_mla ? 1 : kv_heads, a.ctx = ctx, a.max_ctx = max_ctx;
    a.splits = forced_splits > 0 ? forced_splits : (is_mla ? mla_splits(batch, heads, ctx) : gqa_splits(batch, kv_heads, ctx));
    DeviceBuffer q(q_n * 2), k(kv_n * 2), v(is_mla ? 0 : kv_n * 2), out(out_n * 2), ref(out_n * 4),
        ws(std::max<std::size_t>(16, attention_workspace_bytes(batch, heads, a.splits, dv)));
    // Larger q spreads the scores (std ~1.3 in log units) so the running max
    // and the rescaling are exercised.
    fill_random(q.get(), q_n, DType::bf16, 31, is_mla ? 2.0f : 4.0f, st.stream);
    fill_random(k.get(), kv_n, DType::bf16, 32, 1.0f, st.stream);
    if (!is_mla) fill_random(v.get(), kv_n, DType::bf16, 33, 1.0f, st.stream);
    a.q = q.get<bf16>(), a.k = k.get<bf16>(), a.v = is_mla ? nullptr : v.get<bf16>();
    a.out = out.get<bf16>(), a.workspace = ws.get<float>();
    if (is_mla) launch_mla_decode(a, st.stream);
    else launch_gqa_decode(a, st.stream);

    RefArgs r{};
    r.q = a.q, r.k = a.k, r.v = is_mla ? a.k : a.v, r.out = ref.get<float>();
    r.heads = heads, r.group = is_mla ? heads : heads / kv_heads, r.ctx = ctx, r.dk = dk, r.dv = dv;
    r.k_b = is_mla ? static_cast<long long>(max_ctx) * dk : static_cast<long long>(kv_heads) * max_ctx * dk;
    r.k_h = is_mla ? 0 : static_cast<long long>(max_ctx) * dk;
    r.k_t = dk;
    r.v_b = r.k_b, r.v_h = r.k_h, r.v_t = r.k_t;
    r.scale = is_mla ? mla_scale(a) : gqa_scale(a);
    reference_attention_kernel<<<batch * heads, 256, ctx * sizeof(float), st.stream>>>(r);
    KERNEL_CHECK("reference_attention_kernel");

    std::vector<bf16> got(out_n);
    std::vector<float> want(out_n);
    CUDA_CHECK(cudaMemcpyAsync(got.data(), out.get(), out_n * 2, cudaMemcpyDeviceToHost, st.stream));
    CUDA_CHECK(cudaMemcpyAsync(want.data(), ref.get(), out_n * 4, cudaMemcpyDeviceToHost, st.stream));
    CUDA_CHECK(cudaStreamSynchronize(st.stream));
    double err = 0;
    bool finite = true;
    for (std::size_t i = 0; i < out_n; ++i) {
        const double x = __bfloat162float(got[i]);
        finite = finite && std::isfinite(x);
        err = std::max(err, std::fabs(x - want[i]));
    }
    // Outputs are convex combinations of V in [-1, 1]; BF16 output rounding is
    // <= 2^-9, and the MLA kernel also rounds P to BF16 for the tensor cores.
    const double tol = is_mla ? 2e-2 : 1e-2;
    const bool passed = finite && err <= tol;
    Record c;
    c.text("name", name).text("kind", "data").boolean("passed", passed).real("max_abs_error", finite ? err : NAN);
    c.real("tolerance", tol).integer("batch", batch).integer("context", ctx).integer("q_heads", heads);
    c.integer("splits", a.splits);
    st.report.checks.push_back(std::move(c));
    if (!passed)
        throw Failure(std::string("data check ") + name + " failed: max |ours - reference| = " +
                      (finite ? std::to_string(err) : std::string("non-finite")) + " (tolerance " +
                      std::to_string(tol) + "); rerun with --only excluding attention to measure the rest");
}

}  // namespace

void check_gqa_decode() {
    check_case("gqa_decode_split", false, 3, 32, 8, 1000, 1024, 0);
    check_case("gqa_decode_nosplit", false, 2, 32, 8, 333, 400, 1);
}

void check_mla_decode() {
    check_case("mla_decode_split", true, 2, 128, 1, 777, 800, 0);
    check_case("mla_decode_nosplit", true, 1, 64, 1, 100, 128, 1);
}

// ---------------------------------------------------------------- family

namespace {

void sweep(bool is_mla) {
    State& st = state();
    const bool quick = st.opt.quick;
    const std::vector<int> batches = quick ? std::vector<int>{1, 8, 32, 128}
                                           : std::vector<int>{1, 2, 4, 8, 16, 32, 64, 128, 256};
    const std::vector<int> contexts = quick ? std::vector<int>{512, 4096, 16384}
                                            : std::vector<int>{512, 1024, 2048, 4096, 8192, 16384, 32768};
    // GQA: Llama-3.1-8B (32 q heads, 8 kv heads). MLA: DeepSeek-V3, all 128
    // heads on one GPU (data-parallel attention, as in the paper's decode).
    const int heads = is_mla ? 128 : 32, kv_heads = is_mla ? 1 : 8;
    const int dk = is_mla ? kMlaDim : kGqaHeadDim, dv = is_mla ? kMlaKvRank : kGqaHeadDim;
    const char* layout = is_mla ? "mla" : "gqa";
    for (int batch : batches)
        for (int ctx : contexts) {
            const std::size_t kv_n = static_cast<std::size_t>(batch) * kv_heads * ctx * dk;  // per K (or latent)
            const std::size_t kv_bytes = kv_n * 2 * (is_mla ? 1 : 2);
            const int copies = rotation_copies(kv_bytes);
            DecodeAttentionArgs a;
            a.batch = batch, a.q_heads = heads, a.kv_heads = kv_heads, a.ctx = ctx, a.max_ctx = ctx;
            a.splits = is_mla ? mla_splits(batch, heads, ctx) : gqa_splits(batch, kv_heads, ctx);
            const std::size_t ws_bytes = attention_workspace_bytes(batch, heads, a.splits, dv);
            const std::size_t q_bytes = static_cast<std::size_t>(batch) * heads * dk * 2;
            const std::size_t out_bytes = static_cast<std::size_t>(batch) * heads * dv * 2;
            Record params;
            params.text("layout", layout).integer("batch", batch).integer("context", ctx);
            if (kv_bytes * copies + ws_bytes + q_bytes + out_bytes > free_device_bytes() * 8 / 10) {
                skip("attention", "KV cache does not fit in free device memory",
                     params.integer("kv_bytes", static_cast<long long>(kv_bytes)));
                continue;
            }
            DeviceBuffer kv(kv_bytes * copies), q(q_bytes), out(out_bytes), ws(std::max<std::size_t>(16, ws_bytes));
            fill_random(kv.get(), kv.size() / 2, DType::bf16, 41, 1.0f, st.stream);
            fill_random(q.get(), q_bytes / 2, DType::bf16, 42, 1.0f, st.stream);
            a.q = q.get<bf16>(), a.out = out.get<bf16>(), a.workspace = ws.get<float>();
            const Timing t = time_gpu(st.stream, st.timing, [&](long long it) {
                const bf16* base = reinterpret_cast<const bf16*>(kv.at(static_cast<std::size_t>(it % copies) * kv_bytes));
                DecodeAttentionArgs x = a;
                x.k = base;
                x.v = is_mla ? nullptr : base + kv_n;
                if (is_mla) launch_mla_decode(x, st.stream);
                else launch_gqa_decode(x, st.stream);
            });
            // Two matrix products (q.K and p.V), 2 FLOP per multiply-add.
            const double flops = 2.0 * batch * heads * ctx * (dk + dv);
            Record s;
            s.text("tag", "attention_decode").text("layout", layout).text("dtype", "bf16");
            s.integer("batch", batch).integer("context", ctx).integer("q_heads", heads).integer("kv_heads", kv_heads);
            if (is_mla) s.integer("kv_lora_rank", kMlaKvRank).integer("rope_dim", kMlaRopeDim);
            s.integer("head_dim", dk).integer("v_head_dim", dv).integer("splits", a.splits);
            s.integer("kv_bytes", static_cast<long long>(kv_bytes));
            s.integer("bytes", static_cast<long long>(kv_bytes + q_bytes + out_bytes)).real("flops", flops);
            s.timing(t).real("bandwidth_bytes_per_s", kv_bytes / t.median).real("flops_per_s", flops / t.median);
            s.integer("kv_copies", copies);
            add_sample(std::move(s));
            progress("attention", "%s batch=%d context=%d: %.2f us, %.0f GB/s KV (splits %d)", layout, batch, ctx,
                     t.median * 1e6, kv_bytes / t.median * 1e-9, a.splits);
        }
}

}  // namespace

void run_attention() {
    check_gqa_decode();
    sweep(false);
    std::string why;
    if (!mla_supported(&why)) {
        skip("attention", why, Record().text("layout", "mla"));
        return;
    }
    check_mla_decode();
    sweep(true);
}

}  // namespace probe
