// Reference rows that hwplan does not predict because they are not physics:
// the quantity is an input hwplan takes (a layout, a batch, an SM budget), a
// price, a statistic of a service's traffic or of a benchmark's data set, or
// the quality of a model's draft tokens. Each family says why in one line,
// so `hwplan validate` lists them with a reason instead of "no evaluator".
#include <array>
#include <string_view>

#include <fmt/format.h>

#include "model/validation/row_evaluators.hpp"

namespace hwplan::model::validation::rows {

namespace {

struct Family {
    std::string_view quantity;
    std::string_view reason;
};

constexpr std::string_view kDeployment =
    "a deployment choice, which hwplan takes as an input (--nodes/--ep/--tp/--batch/comm SMs) rather than predicts";
constexpr std::string_view kPrice = "a price set by a vendor or a market, not a consequence of the hardware";
constexpr std::string_view kTraffic =
    "a statistic of the service's traffic (demand, prompt reuse), not a consequence of the hardware";
constexpr std::string_view kFleet =
    "the fleet the operator ran for its traffic over a day (demand and operating policy), not a hardware limit";
constexpr std::string_view kBusiness = "revenue / margin from prices and traffic, not a performance quantity";

constexpr std::array<Family, 20> kFamilies{{
    {"deployment_unit_nodes", kDeployment},
    {"deployment_unit_gpus", kDeployment},
    {"tokens_per_gpu", kDeployment},
    {"batch_per_gpu", kDeployment},
    {"tokens_per_expert", kDeployment},
    {"sms_for_communication", kDeployment},
    {"training_gpus", kDeployment},
    {"gpu_hour_price_usd", kPrice},
    {"price_per_mtok_usd", kPrice},
    {"input_tokens_per_day_b", kTraffic},
    {"output_tokens_per_day_b", kTraffic},
    {"cache_hit_input_tokens_per_day_b", kTraffic},
    {"kv_cache_hit_rate_pct", kTraffic},
    {"avg_kv_len_per_output_token", kTraffic},
    {"inference_nodes_peak", kFleet},
    {"inference_nodes_avg", kFleet},
    {"theoretical_revenue_per_day_usd", kBusiness},
    {"cost_per_day_usd", "the operator's bill: its average fleet (set by its traffic) x a rental price (a market price)"},
    {"cost_profit_margin_pct", kBusiness},
    {"output_tokens_per_sample_mean",
     "a statistic of the benchmark's data set (how long the reference answers are), not of the hardware"},
}};

}  // namespace

std::optional<std::string> outside_the_model(const Reference& r) {
    for (const Family& f : kFamilies)
        if (f.quantity == r.quantity) return fmt::format("not predicted: {} is {}", r.quantity, f.reason);
    if (r.quantity == "mtp_second_token_acceptance_pct")
        return std::string(
            "not predicted: the MTP draft acceptance is a property of the model's predictions on the traffic "
            "(an input of hwplan's MTP model), not of the hardware");
    return std::nullopt;
}

}  // namespace hwplan::model::validation::rows
