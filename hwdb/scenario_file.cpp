#include "hwdb/scenario_file.hpp"

#include <charconv>
#include <cmath>
#include <span>
#include <sstream>

#include "hwdb/atomic_file.hpp"
#include "hwdb/hardware_files.hpp"
#include "hwdb/suggest.hpp"
#include "hwdb/unit_parse.hpp"
#include "hwdb/yaml_reader.hpp"

namespace hwplan::hwdb {

namespace {

using model::planner::Scenario;

std::string fmt_g(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

template <class T>
void set(T& target, const std::optional<T>& v) {
    if (v) target = *v;
}

std::vector<std::string> split_words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string w;
    while (in >> w) {
        while (!w.empty() && w.back() == ',') w.pop_back();
        if (!w.empty()) out.push_back(w);
    }
    return out;
}

std::optional<double> to_number(std::string_view t) {
    double v = 0;
    const char* first = t.data();
    const char* last = t.data() + t.size();
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc() || ptr != last || t.empty() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// A plain number in [lo, hi] ("0.85", "1.3").
std::optional<double> number(YamlMap& m, std::string_view key, Need need, double lo, double hi) {
    auto s = m.string(key, need);
    if (!s) return std::nullopt;
    const auto v = to_number(*s);
    if (!v) {
        m.problem(key, "expected a number, got '" + shown(*s) + "'");
        return std::nullopt;
    }
    if (*v < lo || *v > hi) {
        m.problem(key, "must be between " + fmt_g(lo) + " and " + fmt_g(hi) + ", got " + *s);
        return std::nullopt;
    }
    return v;
}

// A share: "56.3%" or 0.563, in [0, 1] (upper bound exclusive when `open`).
std::optional<double> share(YamlMap& m, std::string_view key, Need need, bool open) {
    auto s = m.string(key, need);
    if (!s) return std::nullopt;
    std::string t = *s;
    double scale = 1;
    if (!t.empty() && t.back() == '%') {
        t.pop_back();
        while (!t.empty() && t.back() == ' ') t.pop_back();
        scale = 0.01;
    }
    auto v = to_number(t);
    if (!v) {
        m.problem(key, "expected a share like 0.56 or '56%', got '" + shown(*s) + "'");
        return std::nullopt;
    }
    *v *= scale;
    if (*v < 0 || *v > 1 || (open && *v >= 1)) {
        m.problem(key, std::string("must be between 0 and ") + (open ? "1 (exclusive)" : "1") + ", got '" + shown(*s) + "'");
        return std::nullopt;
    }
    return v;
}

// A percentile: 90, "p90", "90%" -> 90 (exclusive 0..100).
std::optional<double> percentile(YamlMap& m, std::string_view key) {
    auto s = m.string(key, Need::optional);
    if (!s) return std::nullopt;
    std::string t = *s;
    if (!t.empty() && (t.front() == 'p' || t.front() == 'P')) t.erase(0, 1);
    if (!t.empty() && t.back() == '%') t.pop_back();
    const auto v = to_number(t);
    if (!v || !(*v > 0 && *v < 100)) {
        m.problem(key, "expected a percentile like 90, 'p99' or '99.9%', got '" + shown(*s) + "'");
        return std::nullopt;
    }
    return v;
}

// A count of tokens or nodes: "2k", "16384", "1.5M".
std::optional<double> count(YamlMap& m, std::string_view key, Need need) {
    auto s = m.string(key, need);
    if (!s) return std::nullopt;
    try {
        const double v = parse_count(*s, m.where(key));
        if (!(v > 0)) {
            m.problem(key, "must be positive, got '" + shown(*s) + "'");
            return std::nullopt;
        }
        return v;
    } catch (const Error& e) {
        m.problem(key, e.message());
        return std::nullopt;
    }
}

// A list of words (a YAML list or one word).
std::optional<std::vector<std::string>> words(YamlMap& m, std::string_view key, Need need) {
    auto s = m.text_or_list(key, need);
    if (!s) return std::nullopt;
    return split_words(*s);
}

// A list of whole numbers >= lo.
std::optional<std::vector<int>> integers(YamlMap& m, std::string_view key, int lo = 1) {
    auto w = words(m, key, Need::optional);
    if (!w) return std::nullopt;
    std::vector<int> out;
    for (const auto& x : *w) {
        const auto v = to_number(x);
        if (!v || *v != std::floor(*v) || *v < lo || *v > 1e6) {
            m.problem(key, "expected whole numbers >= " + std::to_string(lo) + ", got '" + x + "'");
            return std::nullopt;
        }
        out.push_back(static_cast<int>(*v));
    }
    return out;
}

std::optional<std::vector<double>> numbers(YamlMap& m, std::string_view key, double lo, double hi) {
    auto w = words(m, key, Need::optional);
    if (!w) return std::nullopt;
    std::vector<double> out;
    for (const auto& x : *w) {
        const auto v = to_number(x);
        if (!v || *v < lo || *v > hi) {
            m.problem(key, "expected numbers between " + fmt_g(lo) + " and " + fmt_g(hi) + ", got '" + x + "'");
            return std::nullopt;
        }
        out.push_back(*v);
    }
    return out;
}

template <class E>
std::optional<std::vector<E>> choices(YamlMap& m, std::string_view key,
                                      std::span<const std::pair<std::string_view, E>> options) {
    auto w = words(m, key, Need::optional);
    if (!w) return std::nullopt;
    std::vector<std::string> known;
    for (const auto& o : options) known.emplace_back(o.first);
    std::vector<E> out;
    bool ok = true;
    for (const auto& x : *w) {
        bool found = false;
        for (const auto& o : options)
            if (o.first == x) {
                if (std::find(out.begin(), out.end(), o.second) == out.end()) out.push_back(o.second);
                found = true;
            }
        if (!found) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            m.problem(key, "unknown value '" + x + "'" + did_you_mean(x, known) + "; expected one of: " + list);
            ok = false;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}


constexpr std::pair<std::string_view, model::DType> kDTypes[] = {
    {"fp32", model::DType::fp32}, {"bf16", model::DType::bf16}, {"fp16", model::DType::fp16},
    {"fp8", model::DType::fp8},   {"int8", model::DType::int8}, {"fp4", model::DType::fp4},
    {"int4", model::DType::int4}};

std::optional<model::planner::LengthDistribution> read_length(YamlMap& parent, std::string_view key) {
    auto m = parent.map(key, Need::required);
    if (!m) return std::nullopt;
    using model::planner::LengthShape;
    model::planner::LengthDistribution d;
    const auto shape = m->choice<LengthShape>("distribution", Need::optional,
                                              {{"fixed", LengthShape::fixed},
                                               {"exponential", LengthShape::exponential},
                                               {"lognormal", LengthShape::lognormal},
                                               {"uniform", LengthShape::uniform}});
    set(d.shape, shape);
    const bool uniform = d.shape == LengthShape::uniform;
    set(d.mean, count(*m, "mean", uniform ? Need::optional : Need::required));
    if (d.shape == LengthShape::lognormal) set(d.cv, number(*m, "cv", Need::required, 1e-6, 100));
    if (uniform) {
        if (auto lo = m->string("min", Need::required)) {
            if (*lo == "0") d.min = 0;
            else set(d.min, count(*m, "min", Need::required));
        }
        set(d.max, count(*m, "max", Need::required));
        if (!m->has("mean")) d.mean = (d.min + d.max) / 2;
    }
    m->finish();
    return d;
}

std::optional<model::planner::LatencyTarget> read_target(YamlMap& sla, std::string_view key) {
    auto v = sla.duration(key, Need::optional);
    const std::string pkey = std::string(key) + "_percentile";
    auto p = percentile(sla, pkey);
    if (!v) {
        if (sla.has(pkey)) sla.problem(pkey, "given without '" + std::string(key) + "'");
        return std::nullopt;
    }
    model::planner::LatencyTarget t;
    t.value = *v;
    t.percentile = p;
    return t;
}

}  // namespace

model::planner::Scenario parse_scenario(std::string_view text, const std::string& file, const Database& db,
                                        const std::filesystem::path& base_dir) {
    using namespace model::planner;
    Problems problems;
    auto root = parse_yaml(text, file, problems);
    problems.throw_if_any();
    auto locations = std::make_shared<FieldLocations>();
    YamlMap m(*root, file, "", problems, locations);
    Scenario s;
    s.source = file;
    s.name = std::filesystem::path(file).stem().string();
    set(s.name, m.string("name", Need::optional));

    // ---- model
    if (auto id = m.string("model", Need::required)) {
        std::string ref = *id;
        const bool looks_like_path = ref.find('/') != std::string::npos || ref.ends_with(".yaml") ||
                                     ref.ends_with(".yml") || ref.ends_with(".json");
        if (looks_like_path && std::filesystem::path(ref).is_relative() && !db.models().contains(ref))
            ref = (base_dir / ref).lexically_normal().string();
        try {
            s.model = db.model(ref);
        } catch (const Error& e) {
            m.problem("model", e.what());
        }
    }

    // ---- systems
    std::vector<std::string> system_ids;
    if (auto ids = words(m, "systems", Need::required)) {
        if (ids->empty()) m.problem("systems", "list at least one system id");
        for (const auto& id : *ids) {
            if (std::find(system_ids.begin(), system_ids.end(), id) != system_ids.end()) {
                m.problem("systems", "'" + id + "' is listed twice");
                continue;
            }
            try {
                SystemCandidate c;
                c.system = db.system(id);
                c.price_per_gpu_hour_usd = c.system.price_per_gpu_hour_usd;
                c.node_price_usd = c.system.price_usd;
                s.systems.push_back(std::move(c));
                system_ids.push_back(id);
            } catch (const Error& e) {
                m.problem("systems", e.message());
            }
        }
    }

    // ---- cost
    if (auto c = m.map("cost", Need::optional)) {
        set(s.cost.basis, c->choice<CostBasis>("basis", Need::optional,
                                               {{"rental", CostBasis::rental}, {"capex", CostBasis::capex}}));
        set(s.cost.amortisation_years, number(*c, "amortisation_years", Need::optional, 0.1, 50));
        if (auto usd = c->usd("usd_per_kwh", Need::optional)) {
            if (*usd > 10) c->problem("usd_per_kwh", "electricity above $10 per kWh is implausible");
            else s.cost.usd_per_kwh = *usd;
        }
        set(s.cost.pue, number(*c, "pue", Need::optional, 1.0, 5.0));
        if (auto prices = c->map("prices", Need::optional)) {
            for (std::size_t i = 0; i < system_ids.size(); ++i) {
                auto p = prices->map(system_ids[i], Need::optional);
                if (!p) continue;
                set(s.systems[i].price_per_gpu_hour_usd, p->usd("price_per_gpu_hour", Need::optional));
                set(s.systems[i].node_price_usd, p->usd("price", Need::optional));
                p->finish();
            }
            prices->finish();  // an id that is not a candidate: unknown key with a suggestion
        }
        c->finish();
    }
    for (std::size_t i = 0; i < s.systems.size(); ++i) {
        const auto& c = s.systems[i];
        if (s.cost.basis == CostBasis::rental && !(c.price_per_gpu_hour_usd > 0))
            m.problem("systems", "'" + c.system.id + "' has no price_per_gpu_hour in the hardware database; give "
                                 "cost.prices." + c.system.id + ".price_per_gpu_hour");
        if (s.cost.basis == CostBasis::capex && !(c.node_price_usd > 0))
            m.problem("systems", "'" + c.system.id + "' has no price in the hardware database; give cost.prices." +
                                     c.system.id + ".price");
    }

    // ---- workload
    if (auto w = m.map("workload", Need::required)) {
        if (auto r = w->string("requests_per_s", Need::optional)) {
            try {
                s.workload.requests_per_s = r->find('/') != std::string::npos ? parse_per_second(*r, w->where("requests_per_s"))
                                                                              : parse_count(*r, w->where("requests_per_s"));
            } catch (const Error& e) {
                w->problem("requests_per_s", e.message());
            }
        }
        if (auto r = w->string("output_tokens_per_s", Need::optional)) {
            try {
                s.workload.output_tokens_per_s = r->find('/') != std::string::npos
                                                     ? parse_per_second(*r, w->where("output_tokens_per_s"))
                                                     : parse_count(*r, w->where("output_tokens_per_s"));
            } catch (const Error& e) {
                w->problem("output_tokens_per_s", e.message());
            }
        }
        if (auto d = read_length(*w, "input")) s.workload.input = *d;
        if (auto d = read_length(*w, "output")) s.workload.output = *d;
        set(s.workload.prefix_hit_rate, share(*w, "prefix_hit_rate", Need::optional, true));
        if (auto c = count(*w, "prefill_chunk", Need::optional)) {
            if (*c != std::floor(*c) || *c > 1e7) w->problem("prefill_chunk", "expected a whole number of tokens");
            else s.workload.prefill_chunk = static_cast<int>(*c);
        }
        w->finish();
    }

    // ---- SLA
    if (auto sla = m.map("sla", Need::required)) {
        s.sla.ttft = read_target(*sla, "ttft");
        s.sla.tpot = read_target(*sla, "tpot");
        s.sla.min_tokens_per_s_per_user = number(*sla, "min_tokens_per_s_per_user", Need::optional, 1e-6, 1e6);
        if (!sla->has("ttft") && !sla->has("tpot") && !sla->has("min_tokens_per_s_per_user"))
            problems.add(sla->where(), "sla: give at least one of ttft, tpot, min_tokens_per_s_per_user");
        sla->finish();
    }

    // ---- constraints
    if (auto c = m.map("constraints", Need::optional)) {
        auto& k = s.constraints;
        if (auto v = c->integer("max_gpus", Need::optional, {1, 10'000'000})) k.max_gpus = *v;
        if (auto v = c->integer("max_nodes", Need::optional, {1, 1'000'000})) k.max_nodes = *v;
        if (auto v = c->integer("max_batch", Need::optional, {1, 1'000'000})) k.max_batch = *v;
        set(k.weights, choices<model::DType>(*c, "weights", kDTypes));
        set(k.kv_cache, choices<model::DType>(*c, "kv_cache", kDTypes));
        static constexpr std::pair<std::string_view, model::Overlap> kOverlaps[] = {
            {"none", model::Overlap::none},
            {"dual-micro-batch", model::Overlap::dual_micro_batch},
            {"paper-ideal", model::Overlap::paper_ideal}};
        set(k.overlap, choices<model::Overlap>(*c, "overlap", kOverlaps));
        enum class Onoff { off, on };
        static constexpr std::pair<std::string_view, Onoff> kOnoff[] = {{"off", Onoff::off}, {"on", Onoff::on}};
        const auto mtp = choices<Onoff>(*c, "mtp", kOnoff);
        const auto depth = c->integer("mtp_depth", Need::optional, {1, 16});
        const auto acceptance = numbers(*c, "mtp_acceptance", 0, 1);
        if (mtp) {
            for (Onoff o : *mtp) {
                MtpOption opt;
                if (o == Onoff::on) {
                    opt.depth = depth.value_or(1);
                    if (acceptance && !acceptance->empty()) opt.acceptance = *acceptance;
                    else c->problem("mtp", "'on' needs mtp_acceptance (e.g. 0.85: DeepSeek-V3 reports 85-90 %)");
                }
                k.mtp.push_back(opt);
            }
        } else if (depth || acceptance) {
            c->problem(depth ? "mtp_depth" : "mtp_acceptance", "given without 'mtp: [on]' (or [off, on])");
        }
        c->finish();
    }

    // ---- search
    if (auto sp = m.map("search", Need::optional)) {
        auto& x = s.search;
        enum class Mode { aggregated, disaggregated };
        static constexpr std::pair<std::string_view, Mode> kModes[] = {{"aggregated", Mode::aggregated},
                                                                        {"disaggregated", Mode::disaggregated}};
        if (auto modes = choices<Mode>(*sp, "modes", kModes)) {
            x.aggregated = std::find(modes->begin(), modes->end(), Mode::aggregated) != modes->end();
            x.disaggregated = std::find(modes->begin(), modes->end(), Mode::disaggregated) != modes->end();
            if (modes->empty()) sp->problem("modes", "list aggregated and/or disaggregated");
        }
        if (sp->has("pd_ratios")) {
            auto w = words(*sp, "pd_ratios", Need::optional);
            if (w && !(w->size() == 1 && (*w)[0] == "auto")) {
                for (const auto& r : *w) {
                    // "1:4" (prefill:decode nodes) or a number (prefill nodes per decode node).
                    const auto colon = r.find(':');
                    std::optional<double> v;
                    if (colon != std::string::npos) {
                        const auto a = to_number(std::string_view(r).substr(0, colon));
                        const auto b = to_number(std::string_view(r).substr(colon + 1));
                        if (a && b && *a > 0 && *b > 0) v = *a / *b;
                    } else {
                        v = to_number(r);
                    }
                    if (!v || !(*v > 0) || *v > 1000) {
                        sp->problem("pd_ratios", "expected 'auto' or ratios like 1:4 or 0.25, got '" + r + "'");
                        break;
                    }
                    x.pd_ratios.push_back(*v);
                }
            }
        }
        set(x.prefill_nodes, integers(*sp, "prefill_nodes"));
        set(x.decode_nodes, integers(*sp, "decode_nodes"));
        set(x.tp, integers(*sp, "tp"));
        set(x.pp, integers(*sp, "pp"));
        set(x.ep, integers(*sp, "ep"));
        set(x.redundant_experts, integers(*sp, "redundant_experts", 0));
        if (auto v = sp->integer("comm_sms", Need::optional, {0, 100'000})) x.comm_sms = *v;
        set(x.expert_imbalance, number(*sp, "expert_imbalance", Need::optional, 1, 1000));
        set(x.step_mode, sp->choice<model::StepMode>("step_mode", Need::optional,
                                                     {{"realistic", model::StepMode::realistic},
                                                      {"paper", model::StepMode::paper}}));
        sp->finish();
    }
    {
        // The serving engine: an id of hwdb/data/engines (default vllm).
        const std::string id = m.string("engine", Need::optional).value_or(std::string(default_engine_id));
        try {
            s.engine = db.engine(id);
        } catch (const Error& e) {
            problems.add(m.has("engine") ? m.where("engine") : file, "engine: " + e.message());
        }
    }
    m.finish();
    problems.throw_if_any();

    for (const auto& [field, where] : *locations) s.locations[field] = where;
    try {
        validate(s);
    } catch (const Error& e) {
        problems.add(e.where(), e.message());
    }
    problems.throw_if_any();
    return s;
}

model::planner::Scenario load_scenario(const std::filesystem::path& path, const Database& db) {
    const std::string text = read_file(path, kMaxInputFileBytes);
    return parse_scenario(text, path.string(), db, path.has_parent_path() ? path.parent_path() : ".");
}

}  // namespace hwplan::hwdb
