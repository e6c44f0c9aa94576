// Evaluations per second of the decode-step model (goal: >= 2 million per
// second on one core, so sweeps, the planner and the GUI's sliders can call it
// freely). Each benchmark reports `evals/s` as a rate counter.
//
//   build/<dir>/bench/hwplan_bench --benchmark_filter=DecodeStep
#include <benchmark/benchmark.h>

#include "model/step_time.hpp"

namespace {

using namespace hwplan::model;

Gpu h800() {
    Gpu g;
    g.id = "h800-sxm";
    g.memory_capacity = gibibytes(80);
    g.memory_bandwidth = gigabytes_per_second(3350);
    g.fp32_peak = teraflops_per_second(67);
    g.bf16_peak = teraflops_per_second(989);
    g.fp8_peak = teraflops_per_second(1979);
    g.sms = 132;
    g.scale_up_bandwidth = gigabytes_per_second(200);
    return g;
}

System h800_node() {
    System s;
    s.id = "h800-node";
    s.gpu = h800();
    s.gpus_per_node = 8;
    s.scale_up_domain = 8;
    s.scale_up_bandwidth = gigabytes_per_second(200);
    s.scale_up_latency = microseconds(3.33);
    Nic n;
    n.id = "cx7-400g";
    n.bandwidth = gigabytes_per_second(50);
    n.latency = microseconds(2.8);
    s.nic = n;
    s.nics_per_node = 8;
    s.planes = 8;
    return s;
}

ModelArch deepseek_v3() {
    ModelArch m;
    m.id = "deepseek-v3";
    m.layers = 61;
    m.hidden = 7168;
    m.vocab = 129280;
    m.attention = Mla{128, 1536, 512, 128, 64, 128};
    m.ffn = Moe{256, 1, 8, 2048, 3, 18432, 8, 4};
    m.mtp_depth = 1;
    m.weights_dtype = DType::fp8;
    return m;
}

ModelArch llama31_8b() {
    ModelArch m;
    m.id = "llama-3.1-8b";
    m.layers = 32;
    m.hidden = 4096;
    m.vocab = 128256;
    m.attention = Gqa{32, 8, 128, false, false};
    m.ffn = Dense{14336};
    return m;
}

// DeepSeek-V3, EP320 over 40 H800 nodes, 64 redundant experts, MTP, dual
// micro-batch: the most expensive path (two MoE evaluations plus drafting).
void BM_DecodeStep_DeepSeekV3_EP320(benchmark::State& state) {
    const ModelArch m = deepseek_v3();
    const System s = h800_node();
    Deployment d;
    d.nodes = 40;
    d.tp = 1;
    d.dp = 320;
    d.ep = 320;
    d.redundant_experts = 64;
    d.precision.weights = DType::fp8;
    d.mtp = {1, {0.85}};
    d.comm_sms = 20;
    Workload w;
    w.context = 4096;
    StepOptions o;
    o.check_memory = state.range(0) != 0;
    const KernelCostModel k = KernelCostModel::for_gpu(s.gpu, o.efficiencies, d.comm_sms);
    int batch = 1;
    for (auto _ : state) {
        w.batch = batch;
        batch = batch % 64 + 1;  // a slider moving over feasible batches (KV fits up to ~64 at 4k)
        benchmark::DoNotOptimize(decode_step(m, s, d, w, o, k));
    }
    state.counters["evals/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeStep_DeepSeekV3_EP320)->Arg(1)->Arg(0)->ArgName("check_memory");

// DeepSeek-V3 EP32 on 4 H800 nodes, no MTP: a typical planner candidate.
void BM_DecodeStep_DeepSeekV3_EP32(benchmark::State& state) {
    const ModelArch m = deepseek_v3();
    const System s = h800_node();
    Deployment d;
    d.nodes = 4;
    d.tp = 1;
    d.dp = 32;
    d.ep = 32;
    d.precision.weights = DType::fp8;
    Workload w;
    w.context = 4096;
    const StepOptions o;
    int batch = 1;
    for (auto _ : state) {
        w.batch = batch;
        batch = batch % 32 + 1;
        benchmark::DoNotOptimize(decode_step(m, s, d, w, o));
    }
    state.counters["evals/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeStep_DeepSeekV3_EP32);

// Llama-3.1-8B on one H100-class GPU: a dense model, no EP.
void BM_DecodeStep_Llama8B(benchmark::State& state) {
    const ModelArch m = llama31_8b();
    System s;
    s.id = "h100";
    s.gpu = h800();
    s.gpu.scale_up_bandwidth = gigabytes_per_second(450);
    const Deployment d;
    Workload w;
    w.context = 2048;
    const StepOptions o;
    int batch = 1;
    for (auto _ : state) {
        w.batch = batch;
        batch = batch % 256 + 1;
        benchmark::DoNotOptimize(decode_step(m, s, d, w, o));
    }
    state.counters["evals/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeStep_Llama8B);

// Paper mode: the sec. 2.3.2 formula through the same entry point.
void BM_DecodeStep_Paper(benchmark::State& state) {
    const ModelArch m = deepseek_v3();
    const System s = h800_node();
    Deployment d;
    d.nodes = 4;
    d.dp = 32;
    d.ep = 32;
    d.precision.weights = DType::fp8;
    Workload w;
    w.batch = 64;
    StepOptions o;
    o.mode = StepMode::paper;
    o.check_memory = false;
    for (auto _ : state) benchmark::DoNotOptimize(decode_step(m, s, d, w, o));
    state.counters["evals/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodeStep_Paper);

}  // namespace
