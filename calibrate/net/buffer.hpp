#pragma once
// Message buffers in host memory or (built with CUDA, --gpu-buffers) in GPU
// memory, and the check that data really moved (as nccl-tests does): send
// buffers hold a pattern that depends on the sending rank and the byte's
// offset; before a point the probed bytes of the receive buffer are poisoned,
// after it they must hold the sender's pattern.

#include <cstddef>
#include <cstdint>
#include <string>

namespace hwplan::probe_net {

enum class Memory { host, gpu };

// Byte `offset` of rank `src`'s send buffer.
[[nodiscard]] inline std::uint8_t pattern_byte(int src, std::size_t offset) {
    std::uint64_t x = (static_cast<std::uint64_t>(offset) + 1) * 0x9E3779B97F4A7C15ull ^
                      (static_cast<std::uint64_t>(src) + 1) * 0xD1B54A32D192ED03ull;
    return static_cast<std::uint8_t>(x >> 56);
}

class Buffer {
public:
    Buffer() = default;
    Buffer(Memory memory, std::size_t bytes);
    ~Buffer();
    Buffer(Buffer&& other) noexcept;
    Buffer& operator=(Buffer&& other) noexcept;
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    [[nodiscard]] void* data() const { return data_; }
    [[nodiscard]] std::size_t size() const { return bytes_; }

    // Fills the whole buffer with rank `src`'s pattern.
    void fill_pattern(int src);
    // Reads/writes `count` bytes at offset, offset + stride, ... (one strided copy on a GPU).
    void read_strided(std::size_t offset, std::size_t stride, std::size_t count, std::uint8_t* out) const;
    void write_strided(std::size_t offset, std::size_t stride, std::size_t count, const std::uint8_t* in);

private:
    void release();
    Memory memory_ = Memory::host;
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
};

// `bytes` bytes at `recv_offset` of a receive buffer should equal rank `src`'s
// pattern starting at `src_offset`.
struct Expected {
    std::size_t recv_offset = 0;
    int src = 0;
    std::size_t src_offset = 0;
    std::size_t bytes = 0;
};

// Overwrites the probed bytes (about 65 per block) with values that differ from the pattern.
void poison(Buffer& recv, const Expected& e);
// Aborts the job (fatal) naming the first byte that differs.
void verify(const Buffer& recv, const Expected& e);

// GPU mode: selects GPU (local_rank mod count); aborts if there is none or CUDA
// is not built in.
void select_gpu(int local_rank);
// "NVIDIA H100 80GB HBM3" for the selected GPU; empty on the host.
[[nodiscard]] std::string gpu_name();

[[nodiscard]] bool built_with_cuda();

}  // namespace hwplan::probe_net
