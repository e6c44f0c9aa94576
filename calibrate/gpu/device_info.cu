// Provenance of a run: what GPU, at what clocks and power limit, with which
// driver and libraries, in which topology. CUDA gives the fixed properties;
// nvidia-smi (when present) gives driver string, power limit, clock settings
// and `topo -m`. Nothing here fails the run: an unavailable item is null or
// "unknown".

#include "probe.cuh"

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace probe {
namespace {

std::string version_string(int v) {
    // CUDA encodes 1000 * major + 10 * minor.
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

// Output of a shell command, or nullopt-like empty + ok=false when it fails.
bool run_command(const std::string& cmd, std::string* out) {
    out->clear();
    std::FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
    if (!p) return false;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
    const int rc = pclose(p);
    return rc == 0 && !out->empty();
}

std::string trim(std::string s) {
    const auto a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) return {};
    const auto b = s.find_last_not_of(" \t\r\n");
    return s.substr(a, b - a + 1);
}

// One field of `nvidia-smi --query-gpu` for the GPU with this UUID.
bool smi_query(const std::string& uuid, const std::string& field, std::string* value) {
    std::string out;
    if (!run_command("nvidia-smi --query-gpu=" + field + " --format=csv,noheader,nounits -i " + uuid, &out))
        return false;
    *value = trim(out.substr(0, out.find('\n')));
    return !value->empty() && value->find("N/A") == std::string::npos && value->find("Not Supported") == std::string::npos;
}

bool to_double(const std::string& s, double* d) {
    char* end = nullptr;
    *d = std::strtod(s.c_str(), &end);
    return end && end != s.c_str();
}

int attribute(cudaDeviceAttr a, int dev) {
    int v = 0;
    CUDA_CHECK(cudaDeviceGetAttribute(&v, a, dev));
    return v;
}

__global__ void clock_kernel(unsigned long long ns, unsigned long long* out) {
    unsigned long long t0, t1;
    const long long c0 = clock64();
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
    do {
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t1));
    } while (t1 - t0 < ns);
    const long long c1 = clock64();
    out[0] = static_cast<unsigned long long>(c1 - c0);
    out[1] = t1 - t0;
}

}  // namespace

double measure_sm_clock_mhz() {
    State& st = state();
    DeviceBuffer out(2 * sizeof(unsigned long long));
    clock_kernel<<<1, 1, 0, st.stream>>>(20000000ull, out.get<unsigned long long>());  // 20 ms
    KERNEL_CHECK("clock_kernel");
    unsigned long long h[2] = {0, 0};
    CUDA_CHECK(cudaMemcpyAsync(h, out.get(), sizeof h, cudaMemcpyDeviceToHost, st.stream));
    CUDA_CHECK(cudaStreamSynchronize(st.stream));
    return h[1] ? static_cast<double>(h[0]) / static_cast<double>(h[1]) * 1e3 : 0.0;
}

void collect_device_info(Record& d) {
    State& st = state();
    const cudaDeviceProp& p = st.prop;
    const int dev = st.device;
    char uuid[64];
    const unsigned char* u = reinterpret_cast<const unsigned char*>(p.uuid.bytes);
    std::snprintf(uuid, sizeof uuid, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                  u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    char pci[32] = "";
    CUDA_CHECK(cudaDeviceGetPCIBusId(pci, sizeof pci, dev));

    d.integer("index", dev).text("name", p.name).text("uuid", uuid).text("pci_bus_id", pci);
    d.text("compute_capability", std::to_string(p.major) + "." + std::to_string(p.minor));
    d.integer("sm_count", p.multiProcessorCount);
    // Peak clocks as CUDA reports them (kHz -> MHz); the clock actually seen
    // during the run is sm_clock_measured_mhz (filled in at the end).
    d.integer("sm_clock_mhz", attribute(cudaDevAttrClockRate, dev) / 1000);
    d.integer("mem_clock_mhz", attribute(cudaDevAttrMemoryClockRate, dev) / 1000);
    d.integer("memory_bus_width_bits", attribute(cudaDevAttrGlobalMemoryBusWidth, dev));
    d.integer("memory_bytes", static_cast<long long>(p.totalGlobalMem));
    d.integer("l2_bytes", p.l2CacheSize);
    d.integer("shared_memory_per_block_optin_bytes", static_cast<long long>(p.sharedMemPerBlockOptin));
    d.boolean("ecc_enabled", p.ECCEnabled != 0);

    // Clock settings and power limit from nvidia-smi, when it is there.
    std::string v;
    bool locked_known = false, locked = false;
    if (smi_query(uuid, "clocks_event_reasons.applications_clocks_setting", &v) ||
        smi_query(uuid, "clocks_throttle_reasons.applications_clocks_setting", &v)) {
        // "Active" when the clocks are held by an applications-clocks or
        // locked-clocks setting (nvidia-smi -ac / -lgc).
        locked_known = true;
        locked = v.find("Not") == std::string::npos && v.find("Active") != std::string::npos;
    }
    std::string app, app_default;
    if (smi_query(uuid, "clocks.applications.graphics", &app) &&
        smi_query(uuid, "clocks.default_applications.graphics", &app_default)) {
        locked_known = true;
        locked = locked || app != app_default;
    }
    if (locked_known) d.boolean("clocks_locked", locked);
    else d.text("clocks_locked", "unknown");
    double x = 0;
    if (smi_query(uuid, "clocks.max.sm", &v) && to_double(v, &x)) d.real("sm_clock_max_mhz", x);
    else d.null("sm_clock_max_mhz");
    if (!app.empty() && to_double(app, &x)) d.real("sm_clock_applications_mhz", x);
    else d.null("sm_clock_applications_mhz");
    if (smi_query(uuid, "power.limit", &v) && to_double(v, &x)) d.real("power_limit_w", x);
    else d.null("power_limit_w");

    int drv = 0, rt = 0;
    CUDA_CHECK(cudaDriverGetVersion(&drv));
    CUDA_CHECK(cudaRuntimeGetVersion(&rt));
    if (smi_query(uuid, "driver_version", &v)) d.text("driver_version", v);
    else d.null("driver_version");
    d.text("cuda_driver_version", version_string(drv));
    d.text("cuda_runtime_version", version_string(rt));
    int lt_major = 0, lt_minor = 0, lt_patch = 0;
    LT_CHECK(cublasLtGetProperty(MAJOR_VERSION, &lt_major));
    LT_CHECK(cublasLtGetProperty(MINOR_VERSION, &lt_minor));
    LT_CHECK(cublasLtGetProperty(PATCH_LEVEL, &lt_patch));
    d.text("cublaslt_version",
           std::to_string(lt_major) + "." + std::to_string(lt_minor) + "." + std::to_string(lt_patch));
    const std::string nccl = nccl_version_string();
    if (nccl.empty()) d.null("nccl_version");
    else d.text("nccl_version", nccl);

    std::string topo;
    if (run_command("nvidia-smi topo -m", &topo)) d.text("topology", topo);
    else d.null("topology");
    d.integer("visible_gpus", st.visible_gpus);
}

}  // namespace probe
