#pragma once
// Shared driver state and helpers of hwplan-probe-gpu (nccl-tests style: one
// small file per measurement family on this shared driver; global state is
// fine inside a probe). Every CUDA / cuBLASLt / NCCL call goes through a
// checking macro that names the call, file:line and the error string.

#include "record.hpp"

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace probe {

inline constexpr const char* kProbeVersion = "0.1.0";
inline constexpr std::size_t kMiB = std::size_t{1} << 20;
inline constexpr std::size_t kGiB = std::size_t{1} << 30;

// A failed call or data check; main() prints what() and exits 1.
class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail_call(const char* call, const char* file, int line, const std::string& what);
const char* cublas_status_name(cublasStatus_t s);

}  // namespace probe

#define CUDA_CHECK(call)                                                                          \
    do {                                                                                          \
        cudaError_t probe_e_ = (call);                                                            \
        if (probe_e_ != cudaSuccess)                                                              \
            ::probe::fail_call(#call, __FILE__, __LINE__,                                         \
                               std::string(cudaGetErrorName(probe_e_)) + ": " +                   \
                                   cudaGetErrorString(probe_e_));                                 \
    } while (0)

#define LT_CHECK(call)                                                                            \
    do {                                                                                          \
        cublasStatus_t probe_s_ = (call);                                                         \
        if (probe_s_ != CUBLAS_STATUS_SUCCESS)                                                    \
            ::probe::fail_call(#call, __FILE__, __LINE__, ::probe::cublas_status_name(probe_s_)); \
    } while (0)

// After a <<<>>> launch: names the kernel when the launch itself failed.
#define KERNEL_CHECK(kernel_name)                                                                 \
    do {                                                                                          \
        cudaError_t probe_e_ = cudaGetLastError();                                                \
        if (probe_e_ != cudaSuccess)                                                              \
            ::probe::fail_call("launch of " kernel_name, __FILE__, __LINE__,                      \
                               std::string(cudaGetErrorName(probe_e_)) + ": " +                   \
                                   cudaGetErrorString(probe_e_));                                 \
    } while (0)

namespace probe {

using bf16 = __nv_bfloat16;

// How one point is timed (see timer.cuh).
struct TimeOptions {
    int warmup = 2;              // untimed units before the estimate
    int reps = 15;               // timed repetitions (fewer when the point budget runs out)
    int min_reps = 3;            // never fewer than this
    double budget_s = 0.2;       // rough GPU time allowed per point
    double target_rep_s = 2e-4;  // a repetition runs units back-to-back for at least this long
    int max_inner = 256;         // at most this many units per repetition
    int inner = 0;               // fixed units per repetition; 0 = choose from target_rep_s
};

struct Options {
    bool quick = false;
    std::vector<std::string> only;  // empty = every family
    int device = 0;
    std::string output;             // empty = stdout
    std::string decode_model;       // non-empty = decode-step mode
    std::vector<long long> batches;
    std::vector<long long> contexts;
    int reps = 0;                   // 0 = mode default
    std::string command;            // argv joined, for provenance
};

struct State {
    Options opt;
    int device = 0;
    int visible_gpus = 0;
    cudaDeviceProp prop{};
    int sm_count = 0;
    int cc_major = 0, cc_minor = 0;
    std::size_t l2_bytes = 0;
    std::size_t mem_bytes = 0;
    int max_smem_optin = 0;
    cudaStream_t stream = nullptr;
    cublasLtHandle_t lt = nullptr;
    void* lt_workspace = nullptr;
    std::size_t lt_workspace_bytes = 32 * kMiB;  // cuBLASLt's recommendation for Hopper
    int heuristic_algos = 8;                     // candidates asked of the heuristic per GEMM
    TimeOptions timing;                          // final measurement of a point
    TimeOptions select;                          // quick look at each GEMM algorithm candidate
    Report report;
};

State& state();

bool family_enabled(const std::string& family);
// One progress line on stderr ("hwplan-probe-gpu: [family] ...").
void progress(const char* family, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// A family or a point that was not measured, with the reason (goes to `skipped:`).
void skip(const std::string& family, const std::string& reason, Record params = {});
void add_sample(Record r);

// Bytes free on the current device now.
std::size_t free_device_bytes();
// Number of copies of a `bytes` buffer to rotate through so that consecutive
// uses do not hit in L2: the rotation spans at least 3x the L2 size.
int rotation_copies(std::size_t bytes);

// Owning device allocation (errors on free are ignored: it may run while an
// error unwinds).
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t bytes);
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr, o.n_ = 0; }
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    template <class T = void>
    T* get() const { return static_cast<T*>(p_); }
    char* at(std::size_t byte_offset) const { return static_cast<char*>(p_) + byte_offset; }
    std::size_t size() const { return n_; }

private:
    void* p_ = nullptr;
    std::size_t n_ = 0;
};

// Element types of the random fills.
enum class DType { f32, bf16, fp8_e4m3 };
std::size_t dtype_bytes(DType t);
// Uniform values in [-scale, scale] from a counter hash (no zeros: zero
// operands would lower power and flatter the clocks).
void fill_random(void* p, std::size_t count, DType t, std::uint32_t seed, float scale, cudaStream_t s);
void fill_value(float* p, std::size_t count, float value, cudaStream_t s);

// Families (each in its own file).
void run_hbm();
void run_l2();
void run_gemm();
void run_grouped_gemm();
void run_attention();
void run_elementwise();
void run_launch();
void run_graph();
void run_pcie();
void run_peer();
void run_nccl();
void run_decode_step();

// Provenance (device_info.cu).
void collect_device_info(Record& device);
double measure_sm_clock_mhz();
std::string nccl_version_string();  // empty when built without NCCL

}  // namespace probe
