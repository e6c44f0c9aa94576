// Training plans (model/training/training_plan.hpp): default layouts, the
// stated-MFU path against hand arithmetic, overlap, and monotonicity.
#include <catch2/catch.hpp>

#include "model/error.hpp"
#include "model/flops_per_token.hpp"
#include "model/fixtures.hpp"
#include "model/step_fixtures.hpp"
#include "model/training/training_plan.hpp"

using namespace hwplan;
using namespace hwplan::model;
using namespace hwplan::model::training;
using Catch::Matchers::WithinRel;

namespace {

System h100_node() {
    System s = test::h800_node();
    s.id = "h100-node";
    s.gpu = test::h100_gpu();
    s.scale_up_bandwidth = gigabytes_per_second(450);
    s.planes = 1;
    return s;
}

TrainingSpec spec_for(const ModelArch& m, const System& s, int gpus, double global_batch, double seq,
                      LayoutRequest req = {}) {
    TrainingSpec t;
    t.tokens = 1e12;
    t.seq = seq;
    t.global_batch = global_batch;
    t.layout = default_layout(m, s, gpus, req);
    t.precision.weights = m.weights_dtype;
    t.kernels = KernelCostModel::for_gpu(s.gpu, default_efficiencies(), t.layout.comm_sms);
    t.price_per_gpu_hour_usd = 2;
    return t;
}

}  // namespace

// DeepSeek-V3 report sec. 3.2: "16-way PP, 64-way EP spanning 8 nodes, ZeRO-1
// DP", DualPipe, 20 SMs for communication. Llama 3 paper Table 4: TP8, PP16,
// DP128 on 16,384 GPUs, interleaved 1F1B.
TEST_CASE("Default layouts reproduce the published DeepSeek-V3 and Llama 3 405B layouts", "[model][golden]") {
    const auto ds = default_layout(test::deepseek_v3(), test::h800_node(), 2048, {});
    CHECK(ds.tp == 1);
    CHECK(ds.pp == 16);
    CHECK(ds.ep == 64);
    CHECK(ds.dp == 128);
    CHECK(ds.schedule == PipelineSchedule::dualpipe);
    CHECK(ds.comm_sms == 20);
    const auto ll = default_layout(test::llama31_405b(), h100_node(), 16384, {});
    CHECK(ll.tp == 8);
    CHECK(ll.pp == 16);
    CHECK(ll.dp == 128);
    CHECK(ll.ep == 1);
    CHECK(ll.schedule == PipelineSchedule::interleaved);
    CHECK(ll.virtual_stages == 4);  // rule: up to 4 chunks of >= 1 layer (v not published)
    const auto small = default_layout(test::llama31_8b(), h100_node(), 64, {});
    CHECK(small.tp == 1);
    CHECK(small.pp == 1);
    CHECK(small.dp == 64);
}

// One GPU, stated efficiency: step = FLOPs per step / (peak · mfu), nothing else.
TEST_CASE("Stated MFU on one GPU: step time is FLOPs / (BF16 peak x mfu)", "[model][golden]") {
    const auto m = test::llama31_8b();
    TrainingSpec t = spec_for(m, h100_node(), 1, 8, 4096);
    t.mfu = 0.5;
    const auto p = plan_training(m, h100_node(), t);
    const double flops = train_flops_per_token(m, 4096).value() * 8 * 4096;
    CHECK_THAT(p.step_time.value(), WithinRel(flops / (989e12 * 0.5), 1e-9));
    CHECK_THAT(p.mfu, WithinRel(0.5, 1e-9));
    CHECK(p.pipeline.bubble_fraction == 0);
    CHECK_THAT(p.gpu_hours, WithinRel(p.steps * p.step_time.value() / 3600, 1e-9));  // no failures given
    CHECK_THAT(p.cost_usd, WithinRel(2 * p.gpu_hours, 1e-12));
    CHECK(p.steps == 1e12 / (8 * 4096));
}

TEST_CASE("Recomputation costs time but not model FLOPs", "[model]") {
    const auto m = test::llama31_8b();
    TrainingSpec t = spec_for(m, h100_node(), 8, 64, 4096);
    const auto base = plan_training(m, h100_node(), t);
    t.layout.recompute = true;
    const auto rc = plan_training(m, h100_node(), t);
    CHECK(rc.step_time > base.step_time);
    CHECK(rc.mfu < base.mfu);
    CHECK(rc.flops_per_token == base.flops_per_token);
    CHECK_THAT(rc.hardware_flops_per_token, WithinRel(base.flops_per_token * 4 / 3, 1e-12));
}

TEST_CASE("DualPipe hides the EP all-to-all that 1F1B exposes", "[model]") {
    const auto m = test::deepseek_v3();
    const auto s = test::h800_node();
    const auto dual = plan_training(m, s, spec_for(m, s, 2048, 15360, 4096));
    LayoutRequest req;
    req.schedule = PipelineSchedule::one_f_one_b;
    const auto one = plan_training(m, s, spec_for(m, s, 2048, 15360, 4096, req));
    CHECK(one.stage.exposed_comm.value() > 0);
    CHECK(dual.stage.exposed_comm < one.stage.exposed_comm);
    CHECK(dual.step_time < one.step_time);
    CHECK(dual.pipeline.parameter_copies == 2);
    CHECK(dual.stage.ep_forward.value() > 0);
    CHECK(dual.mfu <= dual.compute_efficiency);
    CHECK(dual.model_state_bytes_per_gpu > 0);
}

TEST_CASE("More GPUs train in fewer days; a higher failure rate takes more days", "[model]") {
    const auto m = test::llama31_405b();
    const auto s = h100_node();
    TrainingSpec small = spec_for(m, s, 8192, 2048, 8192);
    TrainingSpec big = spec_for(m, s, 16384, 2048, 8192);
    for (auto* t : {&small, &big}) {
        t->failures.gpu_mtbf_hours = 50000;
        t->failures.checkpoint_write = seconds(60);
        t->failures.restart = seconds(600);
    }
    const auto a = plan_training(m, s, small);
    const auto b = plan_training(m, s, big);
    CHECK(b.days < a.days);
    CHECK(b.interruptions.expected_interruptions > 0);
    TrainingSpec fragile = big;
    fragile.failures.gpu_mtbf_hours = 10000;
    const auto c = plan_training(m, s, fragile);
    CHECK(c.days > b.days);
    CHECK(c.gpu_hours > b.gpu_hours);
    CHECK(c.step_time == b.step_time);  // failures do not change a step
}

TEST_CASE("Invalid training layouts are errors naming the field", "[model]") {
    const auto m = test::deepseek_v3();
    const auto s = test::h800_node();
    auto where = [&](TrainingSpec t) -> std::string {
        try {
            (void)plan_training(m, s, t);
        } catch (const Error& e) {
            return e.where();
        }
        return "no error";
    };
    TrainingSpec t = spec_for(m, s, 2048, 15360, 4096);
    TrainingSpec bad = t;
    bad.layout.ep = 48;  // does not divide 256 experts
    CHECK(where(bad) == "ep");
    bad = t;
    bad.layout.tp = 3;
    CHECK(where(bad) == "tp");
    bad = t;
    bad.global_batch = 15361;
    CHECK(where(bad) == "global_batch");
    bad = t;
    bad.mfu = 1.5;
    CHECK(where(bad) == "mfu");
    bad = t;
    bad.global_batch = 128 * 7;  // 7 micro-batches: odd, and fewer than 16 stages
    CHECK(where(bad) == "global_batch");
}
