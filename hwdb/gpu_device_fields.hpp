#pragma once
// Internal to hwdb/: the `device:` map of a GPU probe run and the `gpu:` map
// of a calibration profile carry the same provenance fields; one reader for
// both so the two schemas cannot drift apart.

#include "hwdb/plain_fields.hpp"
#include "model/calibration/samples.hpp"

namespace hwplan::hwdb {

// `zero_means_unknown`: a profile writes 0 for clocks and sizes the probe did
// not report; raw probe output must give positive values when it gives any.
inline model::calibration::GpuDevice read_gpu_device(PlainFields& d, bool zero_means_unknown) {
    model::calibration::GpuDevice g;
    g.name = d.text("name", Need::required).value_or("");
    g.uuid = d.text("uuid", Need::optional).value_or("");
    g.pci_bus_id = d.text("pci_bus_id", Need::optional).value_or("");
    g.compute_capability = d.text("compute_capability", Need::optional).value_or("");
    g.sm_count = d.integer("sm_count", Need::required, 1, 100000).value_or(0);
    g.sm_clock_mhz = d.number("sm_clock_mhz", Need::optional, !zero_means_unknown).value_or(0);
    g.mem_clock_mhz = d.number("mem_clock_mhz", Need::optional, !zero_means_unknown).value_or(0);
    g.memory_bytes = d.number("memory_bytes", Need::optional, !zero_means_unknown).value_or(0);
    g.l2_bytes = d.number("l2_bytes", Need::optional, !zero_means_unknown).value_or(0);
    g.clocks_locked = d.tristate("clocks_locked");
    g.sm_clock_max_mhz = d.number("sm_clock_max_mhz", Need::optional);
    g.sm_clock_applications_mhz = d.number("sm_clock_applications_mhz", Need::optional);
    g.sm_clock_measured_mhz = d.number("sm_clock_measured_mhz", Need::optional);
    g.power_limit_w = d.number("power_limit_w", Need::optional);
    g.driver_version = d.text("driver_version", Need::optional);
    g.cuda_driver_version = d.text("cuda_driver_version", Need::optional).value_or("");
    g.cuda_runtime_version = d.text("cuda_runtime_version", Need::optional).value_or("");
    g.cublaslt_version = d.text("cublaslt_version", Need::optional).value_or("");
    g.nccl_version = d.text("nccl_version", Need::optional);
    g.topology = d.text("topology", Need::optional);
    g.visible_gpus = d.integer("visible_gpus", Need::optional, 1, 100000).value_or(1);
    return g;
}

}  // namespace hwplan::hwdb
